import type { WebPixelUserError } from "./WebPixelCreateMutation";

/** Replaces the settings of Roost's web pixel (every key, as on create). */
export const WebPixelUpdateMutation = `#graphql
  mutation RoostWebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) {
    webPixelUpdate(id: $id, webPixel: $webPixel) {
      webPixel { id settings }
      userErrors { field message code }
    }
  }
`;

export interface WebPixelUpdateData {
  webPixelUpdate: { webPixel: { id: string; settings: string } | null; userErrors: WebPixelUserError[] } | null;
}
