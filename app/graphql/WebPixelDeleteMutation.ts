import type { WebPixelUserError } from "./WebPixelCreateMutation";

/** Disconnects Roost's web pixel: the storefront stops loading it. */
export const WebPixelDeleteMutation = `#graphql
  mutation RoostWebPixelDelete($id: ID!) {
    webPixelDelete(id: $id) {
      deletedWebPixelId
      userErrors { field message code }
    }
  }
`;

export interface WebPixelDeleteData {
  webPixelDelete: { deletedWebPixelId: string | null; userErrors: WebPixelUserError[] } | null;
}
