/** Connects Roost's web pixel to the shop with every settings key (docs: issue 10, "Connecting the pixel"). */
export const WebPixelCreateMutation = `#graphql
  mutation RoostWebPixelCreate($webPixel: WebPixelInput!) {
    webPixelCreate(webPixel: $webPixel) {
      webPixel { id settings }
      userErrors { field message code }
    }
  }
`;

export interface WebPixelUserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

export interface WebPixelCreateData {
  webPixelCreate: { webPixel: { id: string; settings: string } | null; userErrors: WebPixelUserError[] } | null;
}
