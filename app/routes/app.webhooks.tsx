import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useOutlet } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, Checkbox, ChoiceList, FormLayout, IndexTable, Layout, Link, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { z } from "zod";
import { EndpointEvents, lastDeliveryText } from "../components/EndpointBadges";
import { appDeps } from "../runtime.server";
import { addEndpoint, listEndpoints } from "../services/endpoints/endpoints.server";
import { JOURNEY_EVENT_LABELS, JOURNEY_EVENT_TYPES } from "../services/journeys/events";
import { staffActor } from "../services/members/actor";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  return { endpoints: shop ? await listEndpoints(db, shop.id) : [], timezone: shop?.timezone ?? "UTC" };
};

// Polaris' ChoiceList posts its checkboxes as events[]; a plain form or a script may post events.
const addForm = z.object({
  url: z.string().default(""),
  events: z.array(z.string()),
  personalData: z.enum(["true"]).optional(),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  if (!shop) throw new Response("Shop not found", { status: 404 });
  const form = await request.formData();
  const parsed = addForm.safeParse({
    url: form.get("url") ?? undefined,
    events: [...form.getAll("events[]"), ...form.getAll("events")],
    personalData: form.get("personalData") ?? undefined,
  });
  if (!parsed.success) throw new Response("Malformed endpoint form", { status: 400 });
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  const added = await addEndpoint(deps, shop, { url: parsed.data.url, events: parsed.data.events, personalData: parsed.data.personalData === "true" }, actor);
  if (!added.ok) return { ok: false as const, errors: added.errors };
  return { ok: true as const, endpoint: { id: added.endpoint.id, url: added.endpoint.url }, secret: added.secret };
};

export default function Webhooks() {
  // app.webhooks.$id nests under this route (flat routes): it replaces the list.
  const outlet = useOutlet();
  if (outlet) return outlet;
  return <EndpointList />;
}

function EndpointList() {
  const { endpoints, timezone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Page title="Webhooks" subtitle="Roost's journey events, signed and sent to your own systems as they happen">
      <Layout>
        {result?.ok && (
          <Layout.Section>
            <SecretBanner key={result.endpoint.id} url={result.endpoint.url} secret={result.secret} />
          </Layout.Section>
        )}
        <Layout.Section>
          {endpoints.length === 0 ? (
            <Card>
              <Text as="p" tone="subdued">
                No endpoints yet. Add one below and Roost sends it each first purchase, points earned, tier change, cohort entry or abandoned cart as a signed JSON POST.
              </Text>
            </Card>
          ) : (
            <Card padding="0">
              <IndexTable
                resourceName={{ singular: "endpoint", plural: "endpoints" }}
                itemCount={endpoints.length}
                selectable={false}
                headings={[{ title: "Endpoint" }, { title: "Events" }, { title: "Status" }, { title: "Delivered", alignment: "end" }, { title: "Pending", alignment: "end" }, { title: "Failed", alignment: "end" }, { title: "Last delivery" }]}
              >
                {endpoints.map((endpoint, index) => (
                  <IndexTable.Row id={endpoint.id} key={endpoint.id} position={index}>
                    <IndexTable.Cell>
                      <Link url={`/app/webhooks/${endpoint.id}`} removeUnderline>
                        {endpoint.url}
                      </Link>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <EndpointEvents events={endpoint.events} />
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Badge tone={endpoint.enabled ? "success" : undefined}>{endpoint.enabled ? "Enabled" : "Disabled"}</Badge>
                    </IndexTable.Cell>
                    {(["delivered", "pending", "failed"] as const).map((status) => (
                      <IndexTable.Cell key={status}>
                        <Text as="span" alignment="end" numeric tone={status === "failed" && endpoint.counts.failed > 0 ? "critical" : undefined}>
                          {endpoint.counts[status].toLocaleString("en-US")}
                        </Text>
                      </IndexTable.Cell>
                    ))}
                    <IndexTable.Cell>{lastDeliveryText(endpoint.lastDelivery, timezone)}</IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </Card>
          )}
        </Layout.Section>
        <Layout.AnnotatedSection
          title="Add endpoint"
          description="Each event is POSTed as JSON with a Roost-Signature header (HMAC-SHA256 with the endpoint's secret) and a Roost-Event-Id. A 2xx answer within 10 seconds counts as delivered; anything else is retried for 24 hours."
        >
          <AddEndpointForm />
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}

/** The new endpoint's signing secret: shown this once, never stored in the page again. */
function SecretBanner({ url, secret }: { url: string; secret: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <Banner tone="success" title={`Endpoint added: ${url}`}>
      <BlockStack gap="200">
        <Text as="p">Copy its signing secret now: it won&apos;t be shown again.</Text>
        <TextField
          label="Signing secret"
          value={secret}
          readOnly
          autoComplete="off"
          monospaced
          connectedRight={<Button onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}
        />
        <Text as="p" tone="subdued">
          Verify each request with it before trusting the body: docs/events.md, &quot;Verifying a signature&quot;, shows how in a few lines.
        </Text>
      </BlockStack>
    </Banner>
  );
}

const EVENT_CHOICES = JOURNEY_EVENT_TYPES.map((type) => ({ label: JOURNEY_EVENT_LABELS[type], value: type }));

function AddEndpointForm() {
  const result = useActionData<typeof action>();
  const errors = result && !result.ok ? result.errors : {};
  const saving = useNavigation().state === "submitting";
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [personalData, setPersonalData] = useState(false);
  const added = result?.ok ? result.endpoint.id : null;
  // A saved endpoint empties the form for the next one.
  useEffect(() => {
    if (!added) return;
    setUrl("");
    setEvents([]);
    setPersonalData(false);
  }, [added]);
  const all = events.length === JOURNEY_EVENT_TYPES.length;
  return (
    <Card>
      <Form method="post">
        <FormLayout>
          <TextField label="URL" name="url" value={url} onChange={setUrl} autoComplete="off" placeholder="https://example.com/roost" helpText="Must start with https:// and be reachable on the public internet." error={errors.url} />
          <BlockStack gap="200">
            <Checkbox label="Select all" checked={all ? true : events.length > 0 ? "indeterminate" : false} onChange={(checked) => setEvents(checked ? [...JOURNEY_EVENT_TYPES] : [])} />
            <ChoiceList title="Events" allowMultiple name="events" choices={EVENT_CHOICES} selected={events} onChange={setEvents} error={errors.events} />
          </BlockStack>
          <Checkbox
            label="Include customer email (personal data)"
            helpText="Off: events identify the customer by their Shopify customer id only. On: they carry the email too; make sure your endpoint may hold personal data."
            name="personalData"
            value="true"
            checked={personalData}
            onChange={setPersonalData}
          />
          <Button submit variant="primary" loading={saving}>
            Add endpoint
          </Button>
        </FormLayout>
      </Form>
    </Card>
  );
}
