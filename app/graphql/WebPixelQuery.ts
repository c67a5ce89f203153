/**
 * The app's web pixel on the shop (an app has at most one). Without an id Shopify answers with
 * the app's own pixel, or a NOT_FOUND error when it has none.
 */
export const WebPixelQuery = `#graphql
  query RoostWebPixel {
    webPixel {
      id
      settings
    }
  }
`;

export interface WebPixelData {
  webPixel: { id: string; settings: string } | null;
}
