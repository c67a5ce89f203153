import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import db from "../db.server";
import { systemClock } from "../lib/clock";
import { logger } from "../lib/logger.server";
import { appDeps } from "../runtime.server";
import { startBackfill } from "../services/sync/backfill.server";
import { loadDashboard } from "../services/dashboard.server";
import { repairedSentence } from "../services/health/wording";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadDashboard(db, session.shop, systemClock);
};

// "Run backfill": import the store again now (newer data is never overwritten by older).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const progress = await startBackfill({ db, clock: systemClock, logger: logger.child({ shop: session.shop }), capStore: appDeps().capStore }, session.shop);
  return { backfill: progress.status };
};

// unhandled: arrived on no topic's route, kept unprocessed; parked: waiting for the shop's install.
const STATUS_TONE = { processed: "success", pending: "attention", failed: "critical", dead: "critical", unhandled: "info", parked: "attention" } as const;
const HEALTH_TONE = { healthy: "success", degraded: "warning", failing: "critical" } as const;
const HEALTH_LABEL = { healthy: "Healthy", degraded: "Degraded", failing: "Failing" } as const;

const formatTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "Never");

export default function Dashboard() {
  const { shop, health, recentDeliveries } = useLoaderData<typeof loader>();
  const started = useActionData<typeof action>();
  const submitting = useNavigation().state === "submitting";
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
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Sync health
                </Text>
                <Badge tone={HEALTH_TONE[health.status]}>
                  {HEALTH_LABEL[health.status]}
                </Badge>
              </InlineStack>
              {health.reasons.length > 0 && (
                <List>
                  {health.reasons.map((reason) => (
                    <List.Item key={reason}>{reason}</List.Item>
                  ))}
                </List>
              )}
              <Text as="p" tone="subdued">
                Last sync: <span data-testid="last-sync">{formatTime(health.lastSyncAt)}</span>
              </Text>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                <Count label="Products" id="products" value={health.counts.products} />
                <Count label="Variants" id="variants" value={health.counts.variants} />
                <Count label="Customers" id="customers" value={health.counts.customers} />
                <Count label="Orders" id="orders" value={health.counts.orders} />
                <Count label="Refunds" id="refunds" value={health.counts.refunds} />
              </InlineGrid>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                <Count label="Processed, last 24 h" id="inbox-processed" value={health.inbox.processed} />
                <Count label="Pending" id="inbox-pending" value={health.inbox.pending} />
                <Count label="Failed" id="inbox-failed" value={health.inbox.failed} />
                <Count label="Dead-lettered" id="inbox-dead" value={health.inbox.dead} />
                <Count label="Unhandled topics" id="inbox-unhandled" value={health.inbox.unhandled} />
              </InlineGrid>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Backfill
                </Text>
                <Form method="post">
                  <Button submit loading={submitting}>
                    Run backfill
                  </Button>
                </Form>
              </InlineStack>
              {started && <Banner tone="info">Backfill {started.backfill === "running" ? "running" : started.backfill}.</Banner>}
              {health.backfill.length === 0 ? (
                <Text as="p" tone="subdued">
                  No backfill has run yet. Roost imports your catalogue, customers and recent orders when it is installed.
                </Text>
              ) : (
                health.backfill.map((run) => (
                  <BlockStack gap="100" key={run.resource}>
                    <InlineStack align="space-between">
                      <Text as="span">{run.resource}</Text>
                      <Text as="span" tone="subdued">
                        <span data-testid={`backfill-${run.resource}`}>
                          {run.status} · {run.done} / {run.total ?? "?"}
                        </span>
                      </Text>
                    </InlineStack>
                    <ProgressBar
                      progress={run.total ? Math.min(100, Math.round((run.done / run.total) * 100)) : run.status === "completed" ? 100 : 0}
                      size="small"
                      tone={run.status === "failed" ? "critical" : "primary"}
                    />
                    {run.error && (
                      <Text as="p" tone="critical">
                        {run.error}
                      </Text>
                    )}
                  </BlockStack>
                ))
              )}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Reconciliation
              </Text>
              {health.reconcile ? (
                <Text as="p">
                  Last run {formatTime(health.reconcile.lastRunAt)} ({health.reconcile.status}):{" "}
                  <span data-testid="reconcile-repaired">
                    {repairedSentence(health.reconcile.repairedTotal)}
                    {health.reconcile.repairedTotal > 0 ? " that webhooks missed" : ""}
                  </span>
                  .
                </Text>
              ) : (
                <Text as="p" tone="subdued">
                  Roost checks every 15 minutes for changes webhooks missed. It has not run yet.
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Webhook deliveries
              </Text>
              {recentDeliveries.length === 0 ? (
                <EmptyState heading="No webhooks received yet" image="">
                  <p>Store events appear here as Shopify delivers them to Roost.</p>
                </EmptyState>
              ) : (
                <BlockStack gap="200">
                  <Text as="h3" variant="headingSm">
                    Latest deliveries
                  </Text>
                  <DataTable
                    columnContentTypes={["text", "text", "numeric", "text", "text"]}
                    headings={["Topic", "Status", "Attempts", "Received", "Error"]}
                    rows={recentDeliveries.map((delivery) => [
                      delivery.topic,
                      <Badge key={delivery.webhookId} tone={STATUS_TONE[delivery.status as keyof typeof STATUS_TONE]}>
                        {delivery.status}
                      </Badge>,
                      delivery.attempts,
                      formatTime(delivery.receivedAt),
                      delivery.lastError ?? "",
                    ])}
                  />
                </BlockStack>
              )}
              {health.lastDeliveryByTopic.length > 0 && (
                <BlockStack gap="200">
                  <Text as="h3" variant="headingSm">
                    Last delivery by topic
                  </Text>
                  <DataTable
                    columnContentTypes={["text", "text"]}
                    headings={["Topic", "Last delivery"]}
                    rows={health.lastDeliveryByTopic.map((entry) => [entry.topic, formatTime(entry.receivedAt)])}
                  />
                </BlockStack>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Count({ label, id, value }: { label: string; id: string; value: number }) {
  return (
    <BlockStack gap="100">
      <Text as="p" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingLg">
        <span data-testid={id}>{value}</span>
      </Text>
    </BlockStack>
  );
}
