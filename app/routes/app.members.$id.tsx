import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator, useSubmit } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  ChoiceList,
  DataTable,
  FormLayout,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { type ReactNode, useEffect, useState } from "react";
import { z } from "zod";
import { Figure } from "../components/Figure";
import { AdminLink, LinkedSentence } from "../components/AdminLink";
import { ConfirmModal } from "../components/ConfirmModal";
import { NotFoundBoundary } from "../components/NotFoundBoundary";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import { adjustMemberPoints, adjustmentErrors, adjustmentSchema } from "../services/members/adjust.server";
import { loadMemberDetail, loadMemberRewards } from "../services/members/detail.server";
import { redeemReward } from "../services/rewards/redeem.server";
import { excludeMember, includeMember, memberExclusions } from "../services/cohorts/exclusions.server";
import { memberCohortsView } from "../services/cohorts/reports.server";
import { cohortTag } from "../services/cohorts/templates";
import { parseShopSettings } from "../services/program/settings";
import { customerTagStatus } from "../services/tags/status.server";
import { adminUrl, EVENT_LABELS, formatWhen, KIND_LABELS, ledgerSentence, signedPoints, termsLabel, timelineSentence } from "../services/members/format";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const notFound = () => new Response("Member not found", { status: 404 });

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  // Another shop's member is not found, exactly like one that does not exist.
  const detail = shop && params.id ? await loadMemberDetail(db, shop, params.id) : null;
  if (!shop || !detail) throw notFound();
  const timelineVariants = detail.member.timeline.flatMap((event) => (event.type === "cart_abandoned" && typeof event.data.variant === "string" ? [event.data.variant] : []));
  const { cohorts, variantNames } = await memberCohortsView(db, shop, detail.member.id, timelineVariants);
  // The cohort tags on their Shopify customer: written, still to write, or refused with the reason.
  const customerTags = detail.member.customerGid ? await customerTagStatus(db, shop, detail.member.customerGid) : [];
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const excluded = (await memberExclusions(db, shop.id, detail.member.id)).map((row) => ({
    ruleId: row.ruleId,
    tag: cohortTag(prefix, row.ruleKey),
    createdAt: row.createdAt.toISOString(),
  }));
  const rewards = await loadMemberRewards(db, shop, detail.member);
  return { ...detail, cohorts, variantNames, customerTags, excluded, ...rewards };
};

/** Redeeming a reward for the member; the key comes from the page (admin:<uuid>). */
const redeemForm = z.object({ intent: z.literal("redeem"), rewardId: z.string().min(1), idempotencyKey: z.string().regex(/^admin:[0-9a-f-]{36}$/) });

/** Taking the member out of a cohort by hand, or letting them back in. */
const cohortForm = z.object({ intent: z.enum(["exclude", "include"]), ruleId: z.string().min(1) });

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  if (!shop || !params.id) throw notFound();
  const form = await request.formData();
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  if (form.get("intent") === "redeem") {
    const redeem = redeemForm.safeParse({ intent: form.get("intent"), rewardId: form.get("rewardId"), idempotencyKey: form.get("idempotencyKey") });
    if (!redeem.success) return { redeem: true as const, ok: false as const, message: "Choose a reward to redeem." };
    const result = await redeemReward({ ...deps, logger: deps.logger.child({ shop: shop.domain }) }, shop, { memberId: params.id, rewardId: redeem.data.rewardId, idempotencyKey: redeem.data.idempotencyKey, actor });
    if (!result.ok) {
      if (result.reason === "no-member") throw notFound();
      return { redeem: true as const, ok: false as const, message: result.message };
    }
    const { redemption } = result;
    return { redeem: true as const, ok: true as const, redemptionId: redemption.id, message: `Redeemed ${redemption.points.toLocaleString("en-US")} points for ${redemption.rewardName}.` };
  }
  const cohortIntent = cohortForm.safeParse({ intent: form.get("intent"), ruleId: form.get("ruleId") });
  if (cohortIntent.success) {
    const { intent, ruleId } = cohortIntent.data;
    const change = intent === "exclude" ? excludeMember : includeMember;
    const result = await change(deps, shop, ruleId, params.id, actor);
    if (!result.ok) throw notFound();
    return { ok: true as const, cohort: intent };
  }
  const parsed = adjustmentSchema.safeParse({ points: form.get("points") ?? "", reason: form.get("reason") ?? "" });
  if (!parsed.success) return { ok: false as const, errors: adjustmentErrors(parsed.error) };
  const result = await adjustMemberPoints({ ...deps, logger: deps.logger.child({ shop: shop.domain }) }, shop, { memberId: params.id, ...parsed.data, actor });
  if ("notFound" in result) throw notFound();
  return result;
};

type Detail = ReturnType<typeof useLoaderData<typeof loader>>;

export default function MemberPage() {
  const { member, browsing, orderNames, exponent, currency, timezone, cohorts, variantNames, customerTags, excluded, rewards, redemptions, redeemKey } = useLoaderData<typeof loader>();
  const title = member.redacted ? "Redacted member" : (member.name ?? member.email ?? "Member");
  const subtitle = [member.redacted ? null : member.name ? member.email : null, member.externalId ? `External id ${member.externalId}` : null].filter(Boolean).join(" · ");
  // An order by its name (#1001), or in words when the mirror has none: never its id.
  const order = (gid: string) => orderNames[gid] ?? "an order";
  const customerUrl = member.customerGid ? adminUrl(member.customerGid) : null;

  return (
    <Page
      title={title}
      subtitle={subtitle || undefined}
      backAction={{ content: "Members", url: "/app/members" }}
      titleMetadata={<Badge>{member.tier}</Badge>}
      secondaryActions={customerUrl ? [{ content: "View customer in Shopify", url: customerUrl, target: "_top" }] : undefined}
    >
      <Layout>
        <Layout.Section>
          <Card>
            <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
              <Figure label="Balance" testId="member-balance" value={member.balance.toLocaleString("en-US")} />
              <Figure label="Tier" testId="member-tier" value={member.tier} />
              <Figure label="Held" testId="member-held" value={member.held.toLocaleString("en-US")} hint="Recorded, waiting for the daily cap check" />
              <Figure label="Capped" testId="member-capped" value={member.capped.toLocaleString("en-US")} hint="Over the daily cap: recorded, not granted" />
            </InlineGrid>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Ledger
              </Text>
              <Text as="p" tone="subdued">
                Every change to the balance, oldest first. Earned points are eligible amount ({currency}) × earn rate × tier
                multiplier, rounded down; a refund claws back its share of the order&apos;s award.
              </Text>
              {member.entries.length === 0 ? (
                <Text as="p" tone="subdued">
                  No points yet: a paid order earns once the program counts it.
                </Text>
              ) : (
                <div data-testid="ledger">
                  <DataTable
                    columnContentTypes={["text", "text", "numeric", "numeric", "text", "text", "text"]}
                    headings={["Date", "Entry", "Points", "Balance", "Eligible × rate × multiplier (tier)", "Order / refund", "Reason"]}
                    rows={member.entries.map((entry) => [
                      formatWhen(entry.occurredAt, timezone),
                      KIND_LABELS[entry.kind] ?? entry.kind,
                      signedPoints(entry.points),
                      entry.balanceAfter.toLocaleString("en-US"),
                      termsLabel(entry, exponent),
                      entry.orderGid ? (
                        <span key="order">
                          {entry.refundGid ? "Refund on " : ""}
                          <AdminLink gid={entry.orderGid}>{order(entry.orderGid)}</AdminLink>
                        </span>
                      ) : (
                        ""
                      ),
                      reasonText(entry),
                    ])}
                  />
                </div>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <RedeemCard rewards={rewards} redemptions={redemptions} redeemKey={redeemKey} balance={member.balance} blocked={redeemBlocked(member)} />
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <RedemptionsCard redemptions={redemptions} timezone={timezone} />
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <AdjustmentCard balance={member.balance} />
        </Layout.Section>

        <Layout.Section variant="oneHalf">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Timeline
              </Text>
              {member.timeline.length === 0 ? (
                <Text as="p" tone="subdued">
                  Nothing has happened yet.
                </Text>
              ) : (
                <BlockStack gap="300" as="ul">
                  {member.timeline.map((event, index) => {
                    const orderGid = typeof event.data.order === "string" ? event.data.order : null;
                    const sentence = timelineSentence(event, { variant: (gid) => variantNames[gid], order, timezone });
                    return (
                      <li key={`${event.type}-${index}`} data-testid="timeline-event">
                        <Text as="p" fontWeight="semibold">
                          {EVENT_LABELS[event.type] ?? event.type}
                        </Text>
                        <Text as="p" tone="subdued">
                          {formatWhen(event.occurredAt, timezone)}
                          {(sentence || Object.keys(event.data).length > 0) && " · "}
                          {sentence ? <LinkedSentence text={sentence} label={orderGid ? order(orderGid) : null} gid={orderGid} /> : eventDataText(event.data, order)}
                        </Text>
                      </li>
                    );
                  })}
                </BlockStack>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <CohortsCard cohorts={cohorts} customerTags={customerTags} excluded={excluded} timezone={timezone} />
        </Layout.Section>

        <Layout.Section>
          <BrowsingCard browsing={browsing} timezone={timezone} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** An event Roost has no sentence for, its data as "key: value" (an order by its name, never its id). */
function eventDataText(data: Record<string, unknown>, order: (gid: string) => string): string {
  return Object.entries(data)
    .map(([key, value]) => `${key}: ${typeof value === "string" && value.startsWith("gid://") ? (key === "order" ? order(value) : "a Shopify record") : String(value)}`)
    .join(", ");
}

function CohortsCard({ cohorts, customerTags, excluded, timezone }: { cohorts: Detail["cohorts"]; customerTags: Detail["customerTags"]; excluded: Detail["excluded"]; timezone: string }) {
  const [excluding, setExcluding] = useState<{ ruleId: string; tag: string } | null>(null);
  const navigation = useNavigation();
  const busy = (intent: string, ruleId: string) => navigation.state !== "idle" && navigation.formData?.get("intent") === intent && navigation.formData?.get("ruleId") === ruleId;
  const submit = useSubmit();
  const send = (intent: "exclude" | "include", ruleId: string) => {
    const data = new FormData();
    data.set("intent", intent);
    data.set("ruleId", ruleId);
    submit(data, { method: "post" });
  };
  useEffect(() => {
    if (navigation.state === "idle") setExcluding(null);
  }, [navigation.state]);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Cohorts
        </Text>
        {cohorts.length === 0 ? (
          <Text as="p" tone="subdued">
            In no cohort now.
          </Text>
        ) : (
          <BlockStack gap="300" as="ul">
            {cohorts.map((cohort) => (
              <li key={cohort.ruleId} data-testid="member-cohort">
                <BlockStack gap="100">
                  <InlineStack gap="200" blockAlign="center" align="space-between">
                    <InlineStack gap="200" blockAlign="center">
                      <Link url={`/app/cohorts/${cohort.ruleId}`}>{cohort.title}</Link>
                      <Badge>{cohort.tag}</Badge>
                    </InlineStack>
                    <Button variant="plain" tone="critical" onClick={() => setExcluding({ ruleId: cohort.ruleId, tag: cohort.tag })} accessibilityLabel={`Exclude from ${cohort.tag}`}>
                      Exclude
                    </Button>
                  </InlineStack>
                  <Text as="p" variant="bodySm" tone="subdued">
                    Entered {formatWhen(cohort.enteredAt, timezone)}
                  </Text>
                  {cohort.why.map((sentence) => (
                    <Text as="p" key={sentence}>
                      <span data-testid="member-cohort-why">{sentence}</span>
                    </Text>
                  ))}
                </BlockStack>
              </li>
            ))}
          </BlockStack>
        )}
        {excluded.length > 0 && (
          <TagLines
            title="Excluded by hand"
            testId="member-cohort-excluded"
            lines={excluded.map((row) => ({
              tag: row.tag,
              text: `Kept out since ${formatWhen(row.createdAt, timezone)}, however well they match.`,
              action: (
                <Button variant="plain" loading={busy("include", row.ruleId)} onClick={() => send("include", row.ruleId)} accessibilityLabel={`Include again in ${row.tag}`}>
                  Include again
                </Button>
              ),
            }))}
          />
        )}
        {customerTags.length > 0 && (
          <TagLines title="Tags on the Shopify customer" testId="member-customer-tag" lines={customerTags.map((line) => ({ tag: line.tag, text: tagStatusText(line), critical: line.status === "failed" }))}>
            {customerTags.some((line) => line.status === "failed") && (
              <Banner tone="critical" title="Some cohort tags could not be written to this customer">
                <p>Shopify keeps at most 250 tags per customer, shared with every app, and Roost writes at most the cohort tag budget set for the shop.</p>
              </Banner>
            )}
          </TagLines>
        )}
      </BlockStack>
      <ConfirmModal
        open={excluding !== null}
        onClose={() => setExcluding(null)}
        title={`Exclude this customer from ${excluding?.tag ?? "the cohort"}?`}
        action="Exclude"
        loading={excluding ? busy("exclude", excluding.ruleId) : false}
        onConfirm={() => excluding && send("exclude", excluding.ruleId)}
      >
        They leave the cohort now and the tag {excluding?.tag} is removed from their Shopify customer. They stay out, however well they match, until you include them again here.
      </ConfirmModal>
    </Card>
  );
}

/** Tags under a heading, each with a sentence and, where there is one, a button. */
function TagLines({ title, testId, lines, children }: { title: string; testId: string; lines: { tag: string; text: string; critical?: boolean; action?: ReactNode }[]; children?: ReactNode }) {
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm">
        {title}
      </Text>
      {children}
      <BlockStack gap="100" as="ul">
        {lines.map((line) => (
          <li key={line.tag} data-testid={testId}>
            <InlineStack gap="200" blockAlign="center">
              <Badge>{line.tag}</Badge>
              <Text as="span" tone={line.critical ? "critical" : "subdued"}>
                {line.text}
              </Text>
              {line.action}
            </InlineStack>
          </li>
        ))}
      </BlockStack>
    </BlockStack>
  );
}

/** A cohort tag's state on the customer, in words. */
function tagStatusText(line: { status: string; reason: string | null }): string {
  if (line.status === "applied") return "On the customer";
  if (line.status === "failed") return `Not written: ${line.reason ?? "Shopify refused it"}`;
  return line.reason === "to remove" ? "Being removed" : "Being written";
}

function BrowsingCard({ browsing, timezone }: { browsing: Detail["browsing"]; timezone: string }) {
  const shown = browsing.events.length;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Browsing
        </Text>
        {browsing.visitors === 0 ? (
          <Text as="p" tone="subdued">
            No storefront visits linked yet: a visitor is linked when they check out as this customer.
          </Text>
        ) : (
          <>
            <Text as="p" tone="subdued">
              <span data-testid="browsing-count">
                {shown < browsing.total
                  ? `The latest ${shown} of ${browsing.total.toLocaleString("en-US")} storefront events`
                  : `${browsing.total.toLocaleString("en-US")} storefront event${browsing.total === 1 ? "" : "s"}`}
              </span>
              {` from ${browsing.visitors} linked visitor${browsing.visitors === 1 ? "" : "s"}, newest first.`}
            </Text>
            <BlockStack gap="200" as="ul">
              {browsing.events.map((event) => (
                <li key={event.id} data-testid="browsing-event">
                  <Text as="p">{event.sentence}</Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {formatWhen(event.occurredAt, timezone)}
                  </Text>
                </li>
              ))}
            </BlockStack>
          </>
        )}
      </BlockStack>
    </Card>
  );
}

function reasonText(entry: Detail["member"]["entries"][number]): string {
  const parts = [ledgerSentence(entry) ?? entry.reason];
  // On a claw-back recorded while its award was held, `withheld` is what the refund took off the held award.
  if (entry.withheld > 0 && entry.kind === "clawback") parts.push(`held award reduced by ${entry.withheld}`);
  else if (entry.withheld > 0 && entry.kind !== "capped" && entry.kind !== "held") parts.push(`${entry.withheld} over the daily cap`);
  if (entry.kind === "capped" || entry.kind === "held") parts.push(`${entry.withheld} withheld`);
  if (entry.shortfall > 0) parts.push(`shortfall ${entry.shortfall} (the balance could not go below zero)`);
  if (entry.actor) parts.push(`by ${entry.actor}`);
  return parts.filter(Boolean).join(" · ");
}

function AdjustmentCard({ balance }: { balance: number }) {
  const data = useActionData<typeof action>();
  // The adjustment's own answer (the cohort buttons and the redeem form post to the same action).
  const result = data && !("cohort" in data) && !("redeem" in data) ? data : undefined;
  const navigation = useNavigation();
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") == null;
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  useEffect(() => {
    if (result?.ok) {
      setPoints("");
      setReason("");
    }
  }, [result]);
  const errors = result && !result.ok && "errors" in result ? result.errors : {};
  return (
    <Card>
      <Form method="post">
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Adjust points
          </Text>
          {result?.ok && (
            <Banner tone="success">
              Adjusted by {signedPoints(result.points)}: the balance is now {result.balance.toLocaleString("en-US")}.
            </Banner>
          )}
          <TextField
            label="Points"
            name="points"
            inputMode="numeric"
            value={points}
            onChange={setPoints}
            autoComplete="off"
            helpText={`A whole number: positive to add, negative to remove (at most ${balance.toLocaleString("en-US")}).`}
            error={errors.points}
          />
          <TextField
            label="Reason"
            name="reason"
            value={reason}
            onChange={setReason}
            autoComplete="off"
            multiline={2}
            helpText="Kept on the ledger and in the audit log, with your name."
            error={errors.reason}
          />
          <Button submit variant="primary" loading={saving}>
            Adjust points
          </Button>
        </FormLayout>
      </Form>
    </Card>
  );
}

/** Why the member cannot redeem, or null when they can. */
function redeemBlocked(member: Detail["member"]): string | null {
  if (member.redacted) return "This member's personal data was erased: nothing can be redeemed.";
  if (!member.customerGid) return "This member has no Shopify customer to give a code to.";
  return null;
}

/**
 * Redeeming one of the enabled rewards for the member: those they cannot afford say what they
 * still need. After redeeming, the answer stays and shows the code once Shopify has made it.
 */
function RedeemCard({ rewards, redemptions, redeemKey, balance, blocked }: { rewards: Detail["rewards"]; redemptions: Detail["redemptions"]; redeemKey: string; balance: number; blocked: string | null }) {
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  const redeeming = navigation.state !== "idle" && navigation.formData?.get("intent") === "redeem";
  const [chosen, setChosen] = useState<string[]>([]);
  // Kept in state: the page revalidates while it waits for the code, and the action's answer must outlive that.
  const [result, setResult] = useState<{ ok: boolean; message: string; redemptionId?: string } | null>(null);
  useEffect(() => {
    if (data && "redeem" in data) {
      setResult({ ok: data.ok, message: data.message ?? "", redemptionId: data.ok ? data.redemptionId : undefined });
      if (data.ok) setChosen([]);
    }
  }, [data]);
  const redeemed = result?.redemptionId ? redemptions.find((redemption) => redemption.id === result.redemptionId) : undefined;
  const affordable = rewards.some((reward) => reward.shortfall === 0);
  return (
    <Card>
      <Form method="post">
        <input type="hidden" name="intent" value="redeem" />
        <input type="hidden" name="idempotencyKey" value={redeemKey} />
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Redeem a reward
          </Text>
          {result && (
            <Banner tone={!result.ok || redeemed?.status === "failed" ? "critical" : "success"} onDismiss={() => setResult(null)}>
              <BlockStack gap="200">
                <Text as="p">
                  <span data-testid="redeem-result">{result.message}</span>
                </Text>
                {redeemed && <RedemptionOutcome redemption={redeemed} />}
              </BlockStack>
            </Banner>
          )}
          {blocked && (
            <Text as="p" tone="subdued">
              {blocked}
            </Text>
          )}
          {rewards.length === 0 ? (
            <Text as="p" tone="subdued">
              No rewards are enabled. <Link url="/app/rewards">Add one on the Rewards page.</Link>
            </Text>
          ) : (
            <>
              <ChoiceList
                title={`Rewards (balance ${balance.toLocaleString("en-US")} points)`}
                name="rewardId"
                disabled={!!blocked}
                choices={rewards.map((reward) => ({
                  value: reward.id,
                  label: `${reward.name} · ${reward.pointsCost.toLocaleString("en-US")} points`,
                  disabled: reward.shortfall > 0,
                  helpText: reward.shortfall > 0 ? `${reward.gives} · needs ${reward.shortfall.toLocaleString("en-US")} more points` : reward.gives,
                }))}
                selected={chosen}
                onChange={setChosen}
              />
              <InlineStack>
                <Button submit variant="primary" loading={redeeming} disabled={!!blocked || !affordable || chosen.length === 0}>
                  Redeem
                </Button>
              </InlineStack>
            </>
          )}
        </FormLayout>
      </Form>
    </Card>
  );
}

/** Where a redemption stands, in words: the code (or credit) once made, or why it was not. */
function RedemptionOutcome({ redemption }: { redemption: Detail["redemptions"][number] }) {
  if (redemption.status === "issued") {
    return redemption.code ? <CodeLine code={redemption.code} /> : <Text as="p">Added to the customer&apos;s store credit.</Text>;
  }
  if (redemption.status === "failed") {
    return (
      <Text as="p" tone="critical">
        {`Not issued: ${redemption.failureReason ?? "Shopify refused the reward"}. The points were returned.`}
      </Text>
    );
  }
  return (
    <Text as="p" tone="subdued">
      Shopify is making the {redemption.storeCredit ? "store credit" : "code"}…
    </Text>
  );
}

const REDEMPTION_STATUS: Record<Detail["redemptions"][number]["status"], { label: string; tone?: "success" | "critical" | "attention" }> = {
  pending: { label: "Being issued", tone: "attention" },
  issued: { label: "Issued", tone: "success" },
  failed: { label: "Not issued, points returned", tone: "critical" },
};

/** Revalidate this often while a redemption waits for Shopify, and at most this many times for the same ones. */
const PENDING_POLL_MS = 2_000;
const PENDING_POLLS = 30;

/**
 * Reloads the page's data every PENDING_POLL_MS while `pendingKey` (the pending redemptions'
 * ids) is not empty, at most PENDING_POLLS times for the same key; stops as soon as nothing is
 * pending. Returns whether it gave up waiting.
 */
function usePendingPoll(pendingKey: string): boolean {
  const revalidator = useRevalidator();
  const [polled, setPolled] = useState({ key: "", count: 0 });
  const count = polled.key === pendingKey ? polled.count : 0;
  useEffect(() => {
    if (!pendingKey || count >= PENDING_POLLS || revalidator.state !== "idle") return;
    const timer = setTimeout(() => {
      setPolled({ key: pendingKey, count: count + 1 });
      revalidator.revalidate();
    }, PENDING_POLL_MS);
    return () => clearTimeout(timer);
  }, [pendingKey, count, revalidator]);
  return !!pendingKey && count >= PENDING_POLLS;
}

/** The member's redemptions, newest first, with the code once issued and dates in the shop's timezone. */
function RedemptionsCard({ redemptions, timezone }: { redemptions: Detail["redemptions"]; timezone: string }) {
  const pendingKey = redemptions
    .filter((redemption) => redemption.status === "pending")
    .map((redemption) => redemption.id)
    .join(",");
  const gaveUp = usePendingPoll(pendingKey);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Redemptions
        </Text>
        {redemptions.length === 0 ? (
          <Text as="p" tone="subdued">
            Nothing redeemed yet.
          </Text>
        ) : (
          <BlockStack gap="300" as="ul">
            {redemptions.map((redemption) => {
              const status = REDEMPTION_STATUS[redemption.status];
              return (
                <li key={redemption.id} data-testid="redemption">
                  <BlockStack gap="100">
                    <InlineStack gap="200" blockAlign="center" align="space-between">
                      <Text as="span" fontWeight="semibold">
                        {redemption.rewardName}
                      </Text>
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </InlineStack>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {`${redemption.gives} · ${redemption.points.toLocaleString("en-US")} points · ${formatWhen(redemption.createdAt, timezone)}`}
                    </Text>
                    <RedemptionOutcome redemption={redemption} />
                  </BlockStack>
                </li>
              );
            })}
          </BlockStack>
        )}
        {gaveUp && (
          <Text as="p" tone="subdued">
            Shopify has not answered yet; Roost keeps trying for about 20 minutes and returns the points if it cannot. Reload the page to see where it stands.
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

/** An issued code with a button that copies it. */
function CodeLine({ code }: { code: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard
      ?.writeText(code)
      .then(() => setCopied(true))
      .catch(() => setCopied(false));
  };
  return (
    <InlineStack gap="200" blockAlign="center">
      <Text as="span" variant="bodyMd">
        <code data-testid="redemption-code">{code}</code>
      </Text>
      <Button variant="plain" onClick={copy} accessibilityLabel={`Copy the code ${code}`}>
        {copied ? "Copied" : "Copy"}
      </Button>
    </InlineStack>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary title="Member not found" back={{ content: "Members", url: "/app/members" }} message="This store has no such member. They may have been erased at the customer's request." />;
}
