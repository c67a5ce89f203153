import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import db from "../db.server";
import { loadDashboard } from "../services/dashboard.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadDashboard(db, session.shop);
};

const STATUS_TONE = { processed: "success", pending: "attention", failed: "critical", dead: "critical" } as const;

export default function Dashboard() {
  const { shop, inbox, recentDeliveries } = useLoaderData<typeof loader>();
  return (
    <Page title="Dashboard" subtitle={shop.name}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shop.name}
              </Text>
              <Text as="p" tone="subdued">
                {shop.domain} · {shop.currency} · {shop.timezone}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Webhook inbox
              </Text>
              <InlineGrid columns={4} gap="400">
                <Count label="Processed" value={inbox.processed} />
                <Count label="Pending" value={inbox.pending} />
                <Count label="Failed" value={inbox.failed} />
                <Count label="Dead-lettered" value={inbox.dead} />
              </InlineGrid>
              {recentDeliveries.length === 0 ? (
                <EmptyState heading="No webhooks received yet" image="">
                  <p>Store events appear here as Shopify delivers them to Roost.</p>
                </EmptyState>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "numeric", "text"]}
                  headings={["Topic", "Status", "Attempts", "Received"]}
                  rows={recentDeliveries.map((delivery) => [
                    delivery.topic,
                    <Badge key={delivery.webhookId} tone={STATUS_TONE[delivery.status as keyof typeof STATUS_TONE]}>
                      {delivery.status}
                    </Badge>,
                    delivery.attempts,
                    new Date(delivery.receivedAt).toLocaleString(),
                  ])}
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <BlockStack gap="100">
      <Text as="p" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingLg">
        <span data-testid={`inbox-${label.toLowerCase()}`}>{value}</span>
      </Text>
    </BlockStack>
  );
}
