import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation, useRevalidator, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { z } from "zod";
import { ConfirmModal } from "../components/ConfirmModal";
import { DeliveryStatus, EndpointEvents, eventLabel } from "../components/EndpointBadges";
import { NotFoundBoundary } from "../components/NotFoundBoundary";
import { appDeps } from "../runtime.server";
import { endpointDeliveries, getEndpoint, removeEndpoint, replayDelivery, sendTestEvent, setEndpointEnabled, TEST_EVENT_TYPE } from "../services/endpoints/endpoints.server";
import { staffActor } from "../services/members/actor";
import { downloadFile } from "../lib/download";
import { deliverySummaries } from "../services/members/event-summary.server";
import { formatWhen } from "../services/members/format";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const notFound = () => new Response("Endpoint not found", { status: 404 });
const LOG_SIZE = 50;
const POLL_MS = 2_000;

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  // Another shop's endpoint is not found, exactly like one that does not exist.
  const endpoint = shop && params.id ? await getEndpoint(db, shop.id, params.id) : null;
  if (!shop || !endpoint) throw notFound();
  const logged = await endpointDeliveries(db, shop.id, endpoint.id, { limit: LOG_SIZE });
  // What each delivery was, in a sentence: the body's GIDs stay in the JSON download.
  const summaries = await deliverySummaries(db, shop, logged);
  const deliveries = logged.map((delivery) => ({
    ...delivery,
    label: delivery.eventType === TEST_EVENT_TYPE ? "Test event" : eventLabel(delivery.eventType),
    summary: summaries[delivery.eventId] ?? null,
  }));
  return { endpoint, deliveries, timezone: shop.timezone };
};

const endpointForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.enum(["test", "enable", "disable", "remove"]) }),
  z.object({ intent: z.literal("replay"), deliveryId: z.string().min(1) }),
]);

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  const endpoint = shop && params.id ? await getEndpoint(deps.db, shop.id, params.id) : null;
  if (!shop || !endpoint) throw notFound();
  const form = await request.formData();
  const parsed = endpointForm.safeParse({ intent: form.get("intent"), deliveryId: form.get("deliveryId") ?? undefined });
  if (!parsed.success) throw new Response("Unknown action", { status: 400 });
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  const command = parsed.data;
  switch (command.intent) {
    case "remove":
      if (!(await removeEndpoint(deps, shop, endpoint.id, actor))) throw notFound();
      throw context.redirect("/app/webhooks");
    case "enable":
    case "disable": {
      const enabled = command.intent === "enable";
      if (!(await setEndpointEnabled(deps, shop, endpoint.id, enabled, actor))) throw notFound();
      return { intent: command.intent, message: enabled ? "Endpoint enabled: new events are sent to it." : "Endpoint disabled: no new events are sent to it." };
    }
    case "test": {
      const sent = await sendTestEvent(deps, shop, endpoint.id, actor);
      if (!sent.ok) throw notFound();
      return { intent: command.intent, message: "Test event queued: it shows in the log below once sent." };
    }
    case "replay": {
      // Another shop's delivery is not found.
      if (!(await replayDelivery(deps, shop, command.deliveryId, actor))) throw notFound();
      return { intent: command.intent, message: "Replay queued: the same event, with the same event id, is sent again." };
    }
  }
};

export default function EndpointPage() {
  const { endpoint, deliveries, timezone } = useLoaderData<typeof loader>();
  // A fetcher, not a navigation: the log's polling revalidates, which would clear an action's banner.
  const fetcher = useFetcher<typeof action>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const [confirming, setConfirming] = useState(false);
  const busy = (intent: string) => fetcher.state !== "idle" && fetcher.formData?.get("intent") === intent;
  const act = (intent: string, fields: Record<string, string> = {}) => fetcher.submit({ intent, ...fields }, { method: "post" });

  // While a delivery is pending, the log refreshes every 2 s until it is delivered or failed.
  const revalidator = useRevalidator();
  const pending = deliveries.some((delivery) => delivery.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [pending, revalidator]);

  const toggle = endpoint.enabled ? "disable" : "enable";
  return (
    <Page
      title={endpoint.url}
      backAction={{ content: "Webhooks", url: "/app/webhooks" }}
      titleMetadata={<Badge tone={endpoint.enabled ? "success" : undefined}>{endpoint.enabled ? "Enabled" : "Disabled"}</Badge>}
      primaryAction={{ content: "Send test event", loading: busy("test"), onAction: () => act("test") }}
      secondaryActions={[
        { content: endpoint.enabled ? "Disable" : "Enable", loading: busy(toggle), onAction: () => act(toggle) },
        { content: "Remove", destructive: true, onAction: () => setConfirming(true) },
      ]}
    >
      <Layout>
        {fetcher.data?.message && fetcher.state === "idle" && (
          <Layout.Section>
            <Banner tone="success">{fetcher.data.message}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="p">
                URL: <code data-testid="endpoint-url">{endpoint.url}</code>
              </Text>
              <BlockStack gap="100">
                <Text as="p">Events:</Text>
                <EndpointEvents events={endpoint.events} />
              </BlockStack>
              <Text as="p">Customer email: {endpoint.personalData ? "included (personal data)" : "not included"}</Text>
              <Text as="p">
                <span data-testid="endpoint-counts">
                  {endpoint.counts.delivered.toLocaleString("en-US")} delivered · {endpoint.counts.pending.toLocaleString("en-US")} pending · {endpoint.counts.failed.toLocaleString("en-US")} failed
                </span>
              </Text>
              <Text as="p" tone="subdued">
                Added {formatWhen(endpoint.createdAt.toISOString(), timezone)}.{endpoint.enabled ? "" : " Disabled: no new events are sent to it."}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Delivery log
              </Text>
              {deliveries.length === 0 ? (
                <Text as="p" tone="subdued">
                  Nothing sent yet. Send a test event to check that your endpoint answers and verifies the signature.
                </Text>
              ) : (
                <>
                  <Text as="p" tone="subdued">
                    {deliveries.length < LOG_SIZE ? "Newest first." : `The latest ${LOG_SIZE}, newest first.`} Times in {timezone}.
                  </Text>
                  <DataTable
                    columnContentTypes={["text", "text", "text", "numeric", "numeric", "numeric", "text", "text"]}
                    headings={["Event", "Event id", "Status", "Attempts", "Response", "Latency (ms)", "Last attempt", ""]}
                    rows={deliveries.map((delivery) => [
                      <BlockStack key="event" gap="050">
                        <Text as="span" fontWeight="semibold">
                          {delivery.label}
                        </Text>
                        {delivery.summary && (
                          <Text as="span" variant="bodySm" tone="subdued">
                            <span data-testid="delivery-summary">{delivery.summary}</span>
                          </Text>
                        )}
                      </BlockStack>,
                      <code key="id">{delivery.eventId}</code>,
                      <BlockStack key="status" gap="050">
                        <DeliveryStatus status={delivery.status} />
                        {delivery.error && delivery.status !== "delivered" && (
                          <Text as="span" variant="bodySm" tone="subdued">
                            {delivery.error}
                          </Text>
                        )}
                      </BlockStack>,
                      delivery.attempts,
                      delivery.responseCode ?? "—",
                      delivery.latencyMs ?? "—",
                      delivery.lastAttemptAt ? formatWhen(delivery.lastAttemptAt.toISOString(), timezone) : "Not yet",
                      <InlineStack key="actions" gap="200" wrap={false}>
                        <Button size="slim" accessibilityLabel={`Replay ${delivery.eventId}`} loading={busy("replay") && fetcher.formData?.get("deliveryId") === delivery.id} onClick={() => act("replay", { deliveryId: delivery.id })}>
                          Replay
                        </Button>
                        <Button
                          size="slim"
                          variant="plain"
                          accessibilityLabel={`Download the JSON of ${delivery.eventId}`}
                          onClick={() => void downloadFile(`/app/webhooks/${endpoint.id}/deliveries/${delivery.id}`, `roost-event-${delivery.eventId}.json`).catch(() => false)}
                        >
                          JSON
                        </Button>
                      </InlineStack>,
                    ])}
                  />
                </>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
      <ConfirmModal
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Remove this endpoint?"
        action="Remove endpoint"
        loading={navigation.state !== "idle" && navigation.formData?.get("intent") === "remove"}
        onConfirm={() => submit({ intent: "remove" }, { method: "post" })}
      >
        Roost stops sending events to {endpoint.url} and deletes its delivery log. Deliveries still queued are dropped. This cannot be undone.
      </ConfirmModal>
    </Page>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary title="Endpoint not found" back={{ content: "Webhooks", url: "/app/webhooks" }} message="This store has no such endpoint. It may have been removed." />;
}
