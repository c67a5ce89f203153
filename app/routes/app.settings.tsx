import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useFetcher, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  ChoiceList,
  DataTable,
  FormLayout,
  InlineError,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { z } from "zod";
import db from "../db.server";
import { systemClock } from "../lib/clock";
import { downloadFile } from "../lib/download";
import { catchUpPlan, catchUpStatus, retryCatchUp } from "../services/program/catch-up.server";
import { staffActor } from "../services/members/actor";
import { numericId } from "../services/flow/triggers";
import { formatWhen } from "../services/members/format";
import { currencyExponent, formatMinorUnits } from "../lib/money";
import { CHANNEL_LABELS, parseProgramForm, type ProgramErrors } from "../services/program/form";
import { listProgramAudit, updateProgramSettings } from "../services/program/program.server";
import { listDataRequests } from "../services/privacy/privacy.server";
import { CHANNELS, parseShopSettings, type ShopSettings } from "../services/program/settings";
import { findShop, updateShopSettings } from "../services/shops/shops.server";
import { connectPixel, disconnectPixel, pixelStatus, updatePixelSettings } from "../services/pixel/connection.server";
import { parsePixelForm, relativeTime } from "../services/pixel/form";
import { appDeps } from "../runtime.server";
import { applyLowStockThreshold } from "../services/signals/catalogue.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(db, session.shop);
  const deps = appDeps();
  const pixel = await pixelStatus(deps, session.shop);
  return {
    domain: session.shop,
    pixel: pixel && {
      connected: pixel.connected,
      orgId: pixel.orgId,
      settings: pixel.settings,
      lastEventAt: pixel.lastEventAt?.toISOString() ?? null,
      lastEventAgo: pixel.lastEventAt ? relativeTime(pixel.lastEventAt, deps.clock.now()) : null,
      eventsLast24h: pixel.eventsLast24h,
    },
    orgId: shop?.orgId ?? null,
    timezone: shop?.timezone ?? "UTC",
    currency: shop?.currency ?? "USD",
    scopes: session.scope?.split(",") ?? [],
    settings: parseShopSettings(shop?.settings ?? "{}"),
    dataRequests: shop ? await listDataRequests(db, shop.id) : [],
    programAudit: shop ? await listProgramAudit(db, shop.id, 10) : [],
    catchUp: shop ? await catchUpStatus(db, shop) : null,
  };
};

const noPixelErrors: Partial<Record<"samplingRate" | "metaPixelId", string>> = {};

const settingsForm = z.object({
  lowStockThreshold: z.coerce.number({ message: "Enter a whole number" }).int("Enter a whole number").min(0, "Enter 0 or more").max(1_000_000, "Enter at most 1,000,000"),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const { session } = context;
  const form = await request.formData();
  // The forms that post here: the loyalty program's (intent=program), the retry of a failed
  // catch-up of stored orders (intent=catch-up-retry), the web pixel's (intent=pixel-settings,
  // pixel-connect, pixel-disconnect) and the low-stock threshold's.
  const intent = form.get("intent");
  if (intent === "pixel-settings" || intent === "pixel-connect" || intent === "pixel-disconnect") {
    const appUrl = process.env.SHOPIFY_APP_URL || new URL(request.url).origin;
    if (intent === "pixel-settings") {
      const parsed = parsePixelForm(form);
      if (!parsed.ok) return { form: "pixel" as const, intent, ok: false as const, errors: parsed.errors, message: "Some pixel settings need fixing before they can be saved." };
      const outcome = await updatePixelSettings(appDeps(), session.shop, appUrl, parsed.value);
      return { form: "pixel" as const, intent, ...outcome, errors: noPixelErrors, message: outcome.ok ? "Pixel settings saved." : outcome.message };
    }
    const outcome = intent === "pixel-connect" ? await connectPixel(appDeps(), session.shop, appUrl) : await disconnectPixel(appDeps(), session.shop);
    const done = intent === "pixel-connect" ? "Roost's pixel is connected." : "Roost's pixel is disconnected: your storefront no longer sends it events.";
    return { form: "pixel" as const, intent, ...outcome, errors: noPixelErrors, message: outcome.ok ? done : outcome.message };
  }
  if (form.get("intent") === "program") {
    const shop = await findShop(db, session.shop);
    const program = parseProgramForm(form, { cohortTagPrefix: shop ? parseShopSettings(shop.settings).cohortTagPrefix : undefined });
    if (!program.ok) return { form: "program" as const, saved: false as const, errors: program.errors };
    const actor = staffActor(session, "sessionToken" in context ? context.sessionToken : null);
    const { settings, changes, catchUp } = await updateProgramSettings(db, session.shop, program.value, actor);
    return { form: "program" as const, saved: true as const, settings, changed: Object.keys(changes), catchUp: catchUp ? catchUpPlan(catchUp) : null };
  }
  if (form.get("intent") === "catch-up-retry") {
    const shop = await findShop(db, session.shop);
    const retried = shop ? await retryCatchUp(db, shop.id, systemClock) : null;
    return { form: "catch-up" as const, retried: !!retried };
  }
  const parsed = settingsForm.safeParse({ lowStockThreshold: form.get("lowStockThreshold") || undefined });
  if (!parsed.success) {
    return { saved: false as const, errors: { lowStockThreshold: parsed.error.issues[0]?.message ?? "Invalid value" } };
  }
  const before = await findShop(db, session.shop);
  const settings = await updateShopSettings(db, session.shop, parsed.data);
  const shop = before ?? (await findShop(db, session.shop));
  if (shop && (!before || parseShopSettings(before.settings).lowStockThreshold !== settings.lowStockThreshold)) {
    await applyLowStockThreshold(db, shop, settings.lowStockThreshold);
  }
  return { saved: true as const, settings };
};

export default function Settings() {
  const { domain, orgId, pixel, timezone, currency, scopes, settings, dataRequests, programAudit, catchUp } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const result = actionData && !("form" in actionData) ? actionData : undefined;
  const navigation = useNavigation();
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") !== "program";
  const [threshold, setThreshold] = useState(String(settings.lowStockThreshold));
  return (
    <Page title="Settings">
      <Layout>
        <Layout.AnnotatedSection
          title="Loyalty program"
          description="How members earn points. Changes apply to orders Roost reads from now on, and counting shipping, retroactive awards and an earlier start date also to the orders Roost already holds (in the background). Points already awarded keep the terms they were awarded with. Every change is recorded with who made it."
        >
          <ProgramForm settings={settings} currency={currency} timezone={timezone} audit={programAudit} catchUp={catchUp} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Low stock"
          description="A variant counts as low on stock when its available quantity across locations is at or below this number."
        >
          <Card>
            <Form method="post">
              <FormLayout>
                {result?.saved && <Banner tone="success">Settings saved.</Banner>}
                <TextField
                  label="Low-stock threshold"
                  name="lowStockThreshold"
                  type="number"
                  min={0}
                  value={threshold}
                  onChange={setThreshold}
                  autoComplete="off"
                  error={result && !result.saved ? result.errors.lowStockThreshold : undefined}
                />
                <Button submit variant="primary" loading={saving}>
                  Save
                </Button>
              </FormLayout>
            </Form>
          </Card>
        </Layout.AnnotatedSection>
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
          description="Roost's pixel sends what visitors do in your storefront (products viewed, carts, checkouts) to Roost, with their consent. It identifies your store by its public Organization ID, never by a secret."
        >
          {pixel ? <PixelCard pixel={pixel} timezone={timezone} /> : <Card><Text as="p">Organization ID: {orgId ?? "assigned when the store finishes installing"}</Text></Card>}
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Webhooks"
          description="Roost can send each journey event (first purchase, points earned, tier change, cohort entry, abandoned cart …) to your own systems, signed with a secret only you and Roost know."
        >
          <Card>
            <BlockStack gap="200">
              <Text as="p">Endpoints, the events each receives and their delivery logs are on the Webhooks page.</Text>
              <InlineStack>
                <Button url="/app/webhooks">Manage webhooks</Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Customer data requests"
          description="When a customer asks for their data, Shopify tells Roost and Roost prepares everything it holds on them here, for you to send."
        >
          <Card>
            {dataRequests.length === 0 ? (
              <Text as="p" tone="subdued">
                No customer has asked for their data.
              </Text>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "numeric", "text"]}
                headings={["Received", "Customer", "Orders", "Export"]}
                rows={dataRequests.map((request) => [
                  formatWhen(request.createdAt, timezone),
                  request.email ?? (request.customerGid ? `Customer ${numericId(request.customerGid) ?? ""}`.trim() : "Unknown customer"),
                  request.orders,
                  <Button key={request.id} variant="plain" onClick={() => downloadExport(request.id)}>
                    Download JSON
                  </Button>,
                ])}
              />
            )}
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

const downloadExport = (id: string) => downloadFile(`/app/privacy/${id}`, "data-request.json");

type LoadedPixel = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["pixel"]>;

function PixelCard({ pixel, timezone }: { pixel: LoadedPixel; timezone: string }) {
  const actionData = useActionData<typeof action>();
  const result = actionData && "form" in actionData && actionData.form === "pixel" ? actionData : undefined;
  const errors = result?.errors ?? noPixelErrors;
  const navigation = useNavigation();
  const busy = (intent: string) => navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const [samplingRate, setSamplingRate] = useState(pixel.settings.samplingRate);
  const [metaPixelId, setMetaPixelId] = useState(pixel.settings.metaPixelId);
  const [logging, setLogging] = useState(pixel.settings.enableConsoleLogging);
  return (
    <Card>
      <BlockStack gap="400">
        {result && <Banner tone={result.ok ? "success" : "critical"}>{result.message}</Banner>}
        <BlockStack gap="100">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h3" variant="headingSm">
              Status
            </Text>
            <Badge tone={pixel.connected ? "success" : "attention"}>{pixel.connected ? "Connected" : "Disconnected"}</Badge>
          </InlineStack>
          <Text as="p">
            <span data-testid="pixel-org-id">Organization ID: {pixel.orgId}</span>
          </Text>
          <Text as="p">
            <span data-testid="pixel-last-event">Last event received: {pixel.lastEventAt ? `${pixel.lastEventAgo} (${formatWhen(pixel.lastEventAt, timezone)})` : "none yet"}</span>
          </Text>
          <Text as="p">
            <span data-testid="pixel-events-24h">Events in the last 24 hours: {pixel.eventsLast24h.toLocaleString("en-US")}</span>
          </Text>
        </BlockStack>
        <Form method="post">
          <input type="hidden" name="intent" value="pixel-settings" />
          <FormLayout>
            <TextField
              label="Sampling rate"
              name="samplingRate"
              value={samplingRate}
              onChange={setSamplingRate}
              autoComplete="off"
              inputMode="decimal"
              helpText="Share of visitors whose browsing is sent, from 0 to 1 (1: everyone). Checkouts are always sent."
              error={errors.samplingRate}
            />
            <TextField
              label="Meta pixel ID"
              name="metaPixelId"
              value={metaPixelId}
              onChange={setMetaPixelId}
              autoComplete="off"
              inputMode="numeric"
              helpText="Optional. Forwards product views, add-to-carts and purchases to your Meta pixel, for visitors who allow marketing."
              error={errors.metaPixelId}
            />
            <Checkbox
              label="Log the pixel's activity in the browser console"
              helpText="For troubleshooting in your own browser; leave off otherwise."
              name="enableConsoleLogging"
              value="true"
              checked={logging}
              onChange={setLogging}
            />
            <Button submit variant="primary" loading={busy("pixel-settings")}>
              Save pixel settings
            </Button>
          </FormLayout>
        </Form>
        <Form method="post">
          <input type="hidden" name="intent" value={pixel.connected ? "pixel-disconnect" : "pixel-connect"} />
          {pixel.connected ? (
            <Button submit tone="critical" loading={busy("pixel-disconnect")}>
              Disconnect
            </Button>
          ) : (
            <Button submit variant="primary" loading={busy("pixel-connect")}>
              Connect
            </Button>
          )}
        </Form>
      </BlockStack>
    </Card>
  );
}

type LoadedSettings = ReturnType<typeof useLoaderData<typeof loader>>["settings"];
type AuditRow = ReturnType<typeof useLoaderData<typeof loader>>["programAudit"][number];
type CatchUp = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["catchUp"]>;
interface TierRow {
  key: number;
  name: string;
  threshold: string;
  multiplier: string;
}

let tierKeys = 0;
const tierRow = (tier: { name: string; threshold: number | string; multiplier: string }): TierRow => ({
  key: (tierKeys += 1),
  name: tier.name,
  threshold: String(tier.threshold),
  multiplier: tier.multiplier,
});

function ProgramForm({ settings, currency, timezone, audit, catchUp }: { settings: LoadedSettings; currency: string; timezone: string; audit: AuditRow[]; catchUp: CatchUp | null }) {
  const actionData = useActionData<typeof action>();
  const result = actionData && "form" in actionData && actionData.form === "program" ? actionData : undefined;
  const errors: ProgramErrors = result && !result.saved ? (result.errors ?? {}) : {};
  const changed = result?.saved ? (result.changed ?? []) : [];
  const navigation = useNavigation();
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") === "program";
  const { program } = settings;
  const [enabled, setEnabled] = useState(program.enabled);
  const [startDate, setStartDate] = useState(program.startDate ?? "");
  const [earnRate, setEarnRate] = useState(program.earnRate);
  const [countShipping, setCountShipping] = useState(settings.countShipping);
  const [channels, setChannels] = useState<string[]>(program.channels);
  const [tiers, setTiers] = useState<TierRow[]>(() => program.tiers.map(tierRow));
  const [dailyCap, setDailyCap] = useState(String(program.dailyCap));
  const [enrolment, setEnrolment] = useState<string>(program.enrolment.mode);
  const [tag, setTag] = useState(program.enrolment.mode === "tag" ? program.enrolment.tag : "");
  const [retroactive, setRetroactive] = useState(program.retroactive);
  const [signupBonus, setSignupBonus] = useState(String(program.signupBonus));
  const [birthdayBonus, setBirthdayBonus] = useState(String(program.birthdayBonus));
  const [birthdayMetafield, setBirthdayMetafield] = useState(program.birthdayMetafield);
  const [expiry, setExpiry] = useState(program.expiryMonths ? "months" : "never");
  const [expiryMonths, setExpiryMonths] = useState(program.expiryMonths ? String(program.expiryMonths) : "12");
  const [pointValue, setPointValue] = useState(program.pointValue ?? "");
  const editTier = (key: number, field: "name" | "threshold" | "multiplier") => (value: string) =>
    setTiers((rows) => rows.map((row) => (row.key === key ? { ...row, [field]: value } : row)));

  return (
    <BlockStack gap="400">
      {/* Keyed by what the page loaded: a save or a retry starts a fresh poll from the new state. */}
      {catchUp && <CatchUpBanner key={JSON.stringify(catchUp)} loaded={catchUp} />}
      <Card>
        <Form method="post">
          <input type="hidden" name="intent" value="program" />
          <FormLayout>
            {result?.saved && (
              <Banner tone="success">
                {changed.length > 0 ? `Program saved: ${changed.map(changeLabel).join(", ")} changed.` : "Program saved: nothing had changed."}
                {result.catchUp && ` ${result.catchUp}; the progress shows above.`}
              </Banner>
            )}
            {result && !result.saved && <Banner tone="critical">Some settings need fixing before the program can be saved.</Banner>}
            <Checkbox
              label="Members earn points"
              helpText="Turn off to pause earning; balances, tiers and the ledger stay."
              name="enabled"
              value="true"
              checked={enabled}
              onChange={setEnabled}
            />
            <FormLayout.Group>
              <TextField
                label="Start date"
                name="startDate"
                type="date"
                value={startDate}
                onChange={setStartDate}
                autoComplete="off"
                helpText={`Orders processed on or after this day (${timezone}) earn. Empty: the day Roost was installed.`}
                error={errors.startDate}
              />
              <TextField
                label="Earn rate"
                name="earnRate"
                value={earnRate}
                onChange={setEarnRate}
                autoComplete="off"
                inputMode="decimal"
                helpText={`Points per 1 ${currency} of eligible amount, e.g. 1 or 1.5.`}
                error={errors.earnRate}
              />
            </FormLayout.Group>
            <Checkbox
              label="Count shipping toward the eligible amount"
              helpText="Off: only the items earn (discounts and gift cards excluded, tax never counted). Changing it recomputes the orders Roost holds; points already awarded keep their terms."
              name="countShipping"
              value="true"
              checked={countShipping}
              onChange={setCountShipping}
            />
            <ChoiceList
              title="Channels that earn"
              allowMultiple
              name="channels"
              choices={CHANNELS.map((channel) => ({ label: CHANNEL_LABELS[channel], value: channel }))}
              selected={channels}
              onChange={setChannels}
              error={errors.channels}
            />
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                Tiers
              </Text>
              <Text as="p" tone="subdued">
                A member reaches a tier with the points earned (net of claw-backs) over the last 365 days; the multiplier applies
                to what they earn next. The first tier starts at 0.
              </Text>
              {tiers.map((tier, index) => (
                <InlineGrid key={tier.key} columns="2fr 1fr 1fr auto" gap="200" alignItems="end">
                  <TextField label="Tier name" name="tierName" value={tier.name} onChange={editTier(tier.key, "name")} autoComplete="off" error={errors[`tiers.${index}.name`]} />
                  <TextField
                    label="From points"
                    name="tierThreshold"
                    type="number"
                    min={0}
                    value={tier.threshold}
                    onChange={editTier(tier.key, "threshold")}
                    autoComplete="off"
                    error={errors[`tiers.${index}.threshold`]}
                  />
                  <TextField
                    label="Multiplier"
                    name="tierMultiplier"
                    inputMode="decimal"
                    value={tier.multiplier}
                    onChange={editTier(tier.key, "multiplier")}
                    autoComplete="off"
                    error={errors[`tiers.${index}.multiplier`]}
                  />
                  <Button
                    accessibilityLabel={`Remove tier ${tier.name || index + 1}`}
                    disabled={tiers.length === 1}
                    onClick={() => setTiers((rows) => rows.filter((row) => row.key !== tier.key))}
                  >
                    Remove
                  </Button>
                </InlineGrid>
              ))}
              {errors.tiers && <InlineError message={errors.tiers} fieldID="tiers" />}
              <InlineStack>
                <Button onClick={() => setTiers((rows) => [...rows, tierRow({ name: "", threshold: "", multiplier: "1" })])}>Add tier</Button>
              </InlineStack>
            </BlockStack>
            <TextField
              label="Daily cap"
              name="dailyCap"
              type="number"
              min={0}
              value={dailyCap}
              onChange={setDailyCap}
              autoComplete="off"
              helpText="Most points a member can be granted per day (your time zone); 0 for no cap. Points over it are recorded as capped."
              error={errors.dailyCap}
            />
            <ChoiceList
              title="Who becomes a member"
              name="enrolment"
              choices={[
                { label: "Every customer with an email", value: "email" },
                {
                  label: "Customers with a tag",
                  value: "tag",
                  renderChildren: (isSelected: boolean) =>
                    isSelected && (
                      <TextField label="Customer tag" name="enrolmentTag" value={tag} onChange={setTag} autoComplete="off" error={errors["enrolment.tag"]} />
                    ),
                },
              ]}
              selected={[enrolment]}
              onChange={(selected) => setEnrolment(selected[0] ?? "email")}
              error={errors.enrolment}
            />
            <Checkbox
              label="Award points for backfilled orders (retroactive)"
              helpText="Orders imported when Roost was installed earn too, even those before the start date. Turning it on awards the ones already imported, in the background."
              name="retroactive"
              value="true"
              checked={retroactive}
              onChange={setRetroactive}
            />
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                Bonuses
              </Text>
              <Text as="p" tone="subdued">
                Points given once, on top of what orders earn; they count toward the daily cap. 0 for none.
              </Text>
              <FormLayout.Group>
                <TextField
                  label="Sign-up bonus"
                  name="signupBonus"
                  type="number"
                  min={0}
                  value={signupBonus}
                  onChange={setSignupBonus}
                  autoComplete="off"
                  suffix="points"
                  helpText="Given once when a customer becomes a member."
                  error={errors.signupBonus}
                />
                <TextField
                  label="Birthday bonus"
                  name="birthdayBonus"
                  type="number"
                  min={0}
                  value={birthdayBonus}
                  onChange={setBirthdayBonus}
                  autoComplete="off"
                  suffix="points"
                  helpText="Given on the member's birthday, once a year."
                  error={errors.birthdayBonus}
                />
              </FormLayout.Group>
              <TextField
                label="Birthday metafield"
                name="birthdayMetafield"
                value={birthdayMetafield}
                onChange={setBirthdayMetafield}
                autoComplete="off"
                helpText="The customer metafield holding the birth date, as namespace.key (a date). Shopify's standard one is facts.birth_date."
                error={errors.birthdayMetafield}
              />
            </BlockStack>
            <ChoiceList
              title="Points expiry"
              name="expiry"
              choices={[
                { label: "Never", value: "never" },
                {
                  label: "After a number of months without an order",
                  value: "months",
                  renderChildren: (isSelected: boolean) =>
                    isSelected && (
                      <TextField
                        label="Months without an order"
                        name="expiryMonths"
                        type="number"
                        min={1}
                        max={60}
                        value={expiryMonths}
                        onChange={setExpiryMonths}
                        autoComplete="off"
                        suffix="months"
                        helpText="From 1 to 60. A member's points expire this many months after their last order; they are told 14 days before."
                        error={errors.expiryMonths}
                      />
                    ),
                },
              ]}
              selected={[expiry]}
              onChange={(selected) => setExpiry(selected[0] ?? "never")}
              error={errors.expiry}
            />
            <TextField
              label="Value of a point (optional)"
              name="pointValue"
              inputMode="decimal"
              value={pointValue}
              onChange={setPointValue}
              autoComplete="off"
              helpText={`In the smallest unit of ${currency}: 1 means a point is worth ${formatMinorUnits(1, currencyExponent(currency))} ${currency}. The Dashboard values outstanding points with it; leave it empty to use your best reward's value.`}
              error={errors.pointValue}
            />
            <Button submit variant="primary" loading={saving}>
              Save program
            </Button>
          </FormLayout>
        </Form>
      </Card>
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Recent program changes
          </Text>
          {audit.length === 0 ? (
            <Text as="p" tone="subdued">
              No changes recorded yet.
            </Text>
          ) : (
            <DataTable
              columnContentTypes={["text", "text", "text"]}
              headings={["When", "Who", "What changed"]}
              rows={audit.map((row) => [
                formatWhen(row.createdAt, timezone),
                row.actor,
                Object.entries(row.changes)
                  .map(([key, change]) => `${changeLabel(key)}: ${describe(key, change.before)} → ${describe(key, change.after)}`)
                  .join("; "),
              ])}
            />
          )}
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

/**
 * Where the catch-up of stored orders stands; polled every few seconds until it ends. A fetcher,
 * not a revalidation: revalidating would clear the save's confirmation (the action data).
 */
function CatchUpBanner({ loaded }: { loaded: CatchUp }) {
  const poll = useFetcher<typeof loader>();
  const job = poll.data?.catchUp ?? loaded;
  const open = job.status === "pending" || job.status === "running";
  const { pathname, search } = useLocation();
  useEffect(() => {
    if (!open) return;
    const timer = setInterval(() => {
      if (poll.state === "idle") poll.load(`${pathname}${search}`);
    }, 5000);
    return () => clearInterval(timer);
  }, [open, poll, pathname, search]);
  const navigation = useNavigation();
  const retrying = navigation.state === "submitting" && navigation.formData?.get("intent") === "catch-up-retry";
  return (
    <Banner tone={job.status === "failed" ? "critical" : job.status === "done" ? "success" : "info"} title="Orders already stored">
      <BlockStack gap="200">
        <Text as="p">{job.message}</Text>
        {job.status === "failed" && (
          <Form method="post">
            <input type="hidden" name="intent" value="catch-up-retry" />
            <Button submit loading={retrying}>
              Retry
            </Button>
          </Form>
        )}
      </BlockStack>
    </Banner>
  );
}

const CHANGE_LABELS: Record<string, string> = {
  "program.enabled": "earning",
  "program.startDate": "start date",
  "program.earnRate": "earn rate",
  "program.channels": "channels",
  "program.tiers": "tiers",
  "program.dailyCap": "daily cap",
  "program.enrolment": "enrolment",
  "program.retroactive": "retroactive awards",
  "program.signupBonus": "sign-up bonus",
  "program.birthdayBonus": "birthday bonus",
  "program.birthdayMetafield": "birthday metafield",
  "program.expiryMonths": "points expiry",
  "program.pointValue": "value of a point",
  countShipping: "count shipping",
};
const changeLabel = (key: string) => CHANGE_LABELS[key] ?? key;

function describe(key: string, value: unknown): string {
  if (value === null || value === undefined) return key === "program.startDate" ? "install day" : key === "program.expiryMonths" ? "never" : "none";
  if (key === "program.expiryMonths") return `after ${String(value)} months`;
  if (typeof value === "boolean") return value ? "on" : "off";
  if (key === "program.dailyCap" && value === 0) return "no cap";
  if (key === "program.channels" && Array.isArray(value)) return value.length ? value.map((channel) => CHANNEL_LABELS[channel as keyof typeof CHANNEL_LABELS] ?? channel).join(", ") : "none";
  if (key === "program.tiers" && Array.isArray(value)) {
    return (value as ShopSettings["program"]["tiers"]).map((tier) => `${tier.name} ${tier.threshold} ×${tier.multiplier}`).join(", ");
  }
  if (key === "program.enrolment" && typeof value === "object") {
    const enrolment = value as ShopSettings["program"]["enrolment"];
    return enrolment.mode === "tag" ? `customers tagged "${enrolment.tag}"` : "every customer with an email";
  }
  return String(value);
}
