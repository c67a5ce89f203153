import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
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
import vizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import analyticsStyles from "../components/analytics/analytics.css?url";
import { AnalyticsSection } from "../components/analytics/AnalyticsSection";
import { Figure } from "../components/Figure";
import db from "../db.server";
import { systemClock } from "../lib/clock";
import { logger } from "../lib/logger.server";
import { appDeps } from "../runtime.server";
import { startBackfill } from "../services/sync/backfill.server";
import { loadDashboard } from "../services/dashboard.server";
import { plural } from "../services/cohorts/why";
import { repairedSentence } from "../services/health/wording";
import { formatWhen } from "../services/members/format";
import type { SetupChecklist, SetupStepKey } from "../services/setup/checklist.server";
import { authenticate } from "../shopify.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: vizStyles },
  { rel: "stylesheet", href: analyticsStyles },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadDashboard(db, session.shop, systemClock, new URL(request.url).searchParams);
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
// What a backfill run imports, named as the mirror's counts above it name them (the progress bar
// follows Shopify's objectCount, which also counts nested lines such as an order's items).
const BACKFILL_NOUNS: Record<string, string> = { products: "product", inventory: "inventory item", customers: "customer", orders: "order" };


export default function Dashboard() {
  const { shop, health, setup, analytics, recentDeliveries } = useLoaderData<typeof loader>();
  const started = useActionData<typeof action>();
  const submitting = useNavigation().state === "submitting";
  // In the shop's time zone, as every admin page shows a date (the same text on server and browser).
  const formatTime = (iso: string | null) => (iso ? formatWhen(iso, shop.timezone) : "Never");
  return (
    <Page title="Dashboard" subtitle={shop.name}>
      <Layout>
        {!setup.complete && (
          <Layout.Section>
            <SetupCard setup={setup} />
          </Layout.Section>
        )}
        {analytics && <AnalyticsSection analytics={analytics} />}
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
                <Figure label="Products" testId="products" value={health.counts.products} />
                <Figure label="Variants" testId="variants" value={health.counts.variants} />
                <Figure label="Customers" testId="customers" value={health.counts.customers} />
                <Figure label="Orders" testId="orders" value={health.counts.orders} />
                <Figure label="Refunds" testId="refunds" value={health.counts.refunds} />
              </InlineGrid>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                <Figure label="Processed, last 24 h" testId="inbox-processed" value={health.inbox.processed} />
                <Figure label="Pending" testId="inbox-pending" value={health.inbox.pending} />
                <Figure label="Failed" testId="inbox-failed" value={health.inbox.failed} />
                <Figure label="Dead-lettered" testId="inbox-dead" value={health.inbox.dead} />
                <Figure label="Unhandled topics" testId="inbox-unhandled" value={health.inbox.unhandled} />
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
                          {run.status}
                          {run.records === null ? "" : ` · ${plural(run.records, BACKFILL_NOUNS[run.resource] ?? "record")} imported`}
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

// Each step: what it is, what to do, and where. The Profile block is placed in Shopify's
// checkout and accounts editor, which Roost cannot link to, so it says where instead.
const SETUP_STEPS: Record<SetupStepKey, { title: string; help: string; action: { label: string; url: string } | null }> = {
  program: { title: "Turn the loyalty program on", help: "Orders earn points once the program is on in Settings.", action: { label: "Open Settings", url: "/app/settings" } },
  pixel: { title: "Connect the pixel", help: "Roost's web pixel sends storefront events for cohorts; connect it in Settings.", action: { label: "Open Settings", url: "/app/settings" } },
  firstEarn: { title: "First order earns points", help: "A member's paid order earns points; you will see them on Members.", action: { label: "Open Members", url: "/app/members" } },
  cohort: { title: "Enable a cohort", help: "A cohort tags the customers it describes in Shopify.", action: { label: "Open Cohorts", url: "/app/cohorts" } },
  reward: { title: "Offer a reward", help: "Members spend points on an enabled reward.", action: { label: "Open Rewards", url: "/app/rewards" } },
  profileBlock: {
    title: "Add the Roost points block",
    help: "In Shopify: Settings → Customer accounts → Customize → Profile page → Add block → Roost points. Done once a signed-in customer opens it.",
    action: null,
  },
};

function SetupCard({ setup }: { setup: SetupChecklist }) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Set up Roost
          </Text>
          <Text as="span" tone="subdued">
            <span data-testid="setup-progress">
              {setup.done} of {setup.total} done
            </span>
          </Text>
        </InlineStack>
        <ProgressBar progress={Math.round((setup.done / setup.total) * 100)} size="small" tone="success" />
        <BlockStack gap="300">
          {setup.steps.map((step) => {
            const { title, help, action } = SETUP_STEPS[step.key];
            return (
              <InlineStack key={step.key} align="space-between" blockAlign="center" gap="200" wrap={false}>
                <BlockStack gap="100">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="h3" variant="headingSm">
                      {title}
                    </Text>
                    <span data-testid={`setup-${step.key}`} data-state={step.done ? "done" : "to-do"}>
                      <Badge tone={step.done ? "success" : undefined}>{step.done ? "Done" : "To do"}</Badge>
                    </span>
                  </InlineStack>
                  <Text as="p" tone="subdued">
                    {help}
                  </Text>
                </BlockStack>
                {action && (
                  <Button url={action.url} variant={step.done ? "plain" : undefined}>
                    {action.label}
                  </Button>
                )}
              </InlineStack>
            );
          })}
        </BlockStack>
        <Text as="p" tone="subdued">
          This checklist hides itself once every step is done.
        </Text>
      </BlockStack>
    </Card>
  );
}
