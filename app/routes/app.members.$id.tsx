import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
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
import { ConfirmModal } from "../components/ConfirmModal";
import { NotFoundBoundary } from "../components/NotFoundBoundary";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import { adjustMemberPoints, adjustmentErrors, adjustmentSchema } from "../services/members/adjust.server";
import { loadMemberDetail } from "../services/members/detail.server";
import { excludeMember, includeMember, memberExclusions } from "../services/cohorts/exclusions.server";
import { memberCohortsView } from "../services/cohorts/reports.server";
import { cohortTag } from "../services/cohorts/templates";
import { parseShopSettings } from "../services/program/settings";
import { customerTagStatus } from "../services/tags/status.server";
import { EVENT_LABELS, formatWhen, KIND_LABELS, readableGid, signedPoints, termsLabel, timelineSentence } from "../services/members/format";
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
  return { ...detail, cohorts, variantNames, customerTags, excluded };
};

/** Taking the member out of a cohort by hand, or letting them back in. */
const cohortForm = z.object({ intent: z.enum(["exclude", "include"]), ruleId: z.string().min(1) });

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  if (!shop || !params.id) throw notFound();
  const form = await request.formData();
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
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
  const { member, browsing, orderNames, exponent, currency, timezone, cohorts, variantNames, customerTags, excluded } = useLoaderData<typeof loader>();
  const title = member.redacted ? "Redacted member" : (member.name ?? member.email ?? "Member");
  const subtitle = [member.redacted ? null : member.name ? member.email : null, member.customerGid ? `Customer ${readableGid(member.customerGid)}` : null, member.externalId ? `External id ${member.externalId}` : null]
    .filter(Boolean)
    .join(" · ");
  const order = (gid: string) => (orderNames[gid] ? `${orderNames[gid]} (${readableGid(gid)})` : readableGid(gid));

  return (
    <Page title={title} subtitle={subtitle || undefined} backAction={{ content: "Members", url: "/app/members" }} titleMetadata={<Badge>{member.tier}</Badge>}>
      <Layout>
        <Layout.Section>
          <Card>
            <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
              <Figure label="Balance" id="member-balance" value={member.balance.toLocaleString("en-US")} />
              <Figure label="Tier" id="member-tier" value={member.tier} />
              <Figure label="Held" id="member-held" value={member.held.toLocaleString("en-US")} hint="Recorded, waiting for the daily cap check" />
              <Figure label="Capped" id="member-capped" value={member.capped.toLocaleString("en-US")} hint="Over the daily cap: recorded, not granted" />
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
                      [entry.orderGid ? order(entry.orderGid) : null, entry.refundGid ? `refund ${readableGid(entry.refundGid)}` : null].filter(Boolean).join(", "),
                      reasonText(entry),
                    ])}
                  />
                </div>
              )}
            </BlockStack>
          </Card>
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
                  {member.timeline.map((event, index) => (
                    <li key={`${event.type}-${index}`} data-testid="timeline-event">
                      <Text as="p" fontWeight="semibold">
                        {EVENT_LABELS[event.type] ?? event.type}
                      </Text>
                      <Text as="p" tone="subdued">
                        {formatWhen(event.occurredAt, timezone)}
                        {Object.keys(event.data).length > 0 && " · "}
                        {timelineSentence(event, { variant: (gid) => variantNames[gid], timezone }) ??
                          Object.entries(event.data)
                            .map(([key, value]) => `${key}: ${key === "order" && typeof value === "string" ? order(value) : String(value)}`)
                            .join(", ")}
                      </Text>
                    </li>
                  ))}
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
  const parts = [entry.reason];
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
  // The adjustment's own answer (the cohort buttons post to the same action).
  const result = data && !("cohort" in data) ? data : undefined;
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

function Figure({ label, id, value, hint }: { label: string; id: string; value: string; hint?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="p" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingLg">
        <span data-testid={id}>{value}</span>
      </Text>
      {hint && (
        <Text as="p" variant="bodySm" tone="subdued">
          {hint}
        </Text>
      )}
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary title="Member not found" back={{ content: "Members", url: "/app/members" }} message="This store has no such member. They may have been erased at the customer's request." />;
}
