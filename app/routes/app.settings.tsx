import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import db from "../db.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(db, session.shop);
  return {
    domain: session.shop,
    orgId: shop?.orgId ?? null,
    timezone: shop?.timezone ?? "UTC",
    currency: shop?.currency ?? "USD",
    scopes: session.scope?.split(",") ?? [],
  };
};

export default function Settings() {
  const { domain, orgId, timezone, currency, scopes } = useLoaderData<typeof loader>();
  return (
    <Page title="Settings">
      <Layout>
        <Layout.AnnotatedSection
          title="Store"
          description="Roost keeps these in step with your store settings in Shopify."
        >
          <Card>
            <BlockStack gap="200">
              <Text as="p">Store: {domain}</Text>
              <Text as="p">Currency: {currency}</Text>
              <Text as="p">Time zone: {timezone}</Text>
            </BlockStack>
          </Card>
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Web pixel"
          description="The Roost pixel identifies your store by this public organisation id, never by a secret."
        >
          <Card>
            <BlockStack gap="200">
              <Text as="p">Organisation id: {orgId ?? "assigned when the store finishes installing"}</Text>
            </BlockStack>
          </Card>
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title="Access" description="What this store has granted Roost.">
          <Card>
            <Text as="p">{scopes.length > 0 ? scopes.join(", ") : "No access granted"}</Text>
          </Card>
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}
