/**
 * Roost's installation on the shop: the owner of its app-data metafields (`roost.program`,
 * read by the theme block as `app.metafields.roost.program`; docs/rewards.md).
 */
export const CurrentAppInstallationQuery = `#graphql
  query RoostCurrentAppInstallation {
    currentAppInstallation {
      id
    }
  }
`;

export interface CurrentAppInstallationData {
  currentAppInstallation: { id: string };
}
