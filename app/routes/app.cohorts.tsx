import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useOutlet } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, FormLayout, IndexTable, Layout, Link, Page, Text, TextField } from "@shopify/polaris";
import { useId, useState } from "react";
import { formatWhen } from "../lib/dates";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import { updateCohortTagPrefix } from "../services/cohorts/prefix.server";
import { listCohorts, SPARKLINE_DAYS } from "../services/cohorts/reports.server";
import { parseShopSettings } from "../services/program/settings";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db, clock } = appDeps();
  const shop = await findShop(db, session.shop);
  return {
    cohorts: shop ? await listCohorts(db, shop, clock.now()) : [],
    tagPrefix: parseShopSettings(shop?.settings ?? "{}").cohortTagPrefix,
    timezone: shop?.timezone ?? "UTC",
    days: SPARKLINE_DAYS,
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const form = await request.formData();
  const { db, clock } = appDeps();
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  return updateCohortTagPrefix(db, context.session.shop, form.get("cohortTagPrefix"), actor, clock);
};

export default function Cohorts() {
  // app.cohorts.new and app.cohorts.$id nest under this route (flat routes): they replace the list.
  const outlet = useOutlet();
  if (outlet) return outlet;
  return <CohortList />;
}

function CohortList() {
  const { cohorts, tagPrefix, timezone, days } = useLoaderData<typeof loader>();
  // A large shop's counts may come from a snapshot taken before its latest changes: say when.
  const tagsAsOf = cohorts.find((cohort) => cohort.tagsAsOf)?.tagsAsOf ?? null;
  return (
    <Page title="Cohorts" subtitle="Shoppers grouped by what they do in your store, tagged on their Shopify customer" primaryAction={{ content: "Create cohort", url: "/app/cohorts/new" }}>
      <Layout>
        {tagsAsOf && (
          <Layout.Section>
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="cohort-tags-as-of">Customer tag counts as of {formatWhen(tagsAsOf, timezone)}: tags changed since, recounted within a minute.</span>
            </Text>
          </Layout.Section>
        )}
        <Layout.Section>
          {cohorts.length === 0 ? (
            <Card>
              <EmptyState heading="No cohort rules yet" image="" action={{ content: "Create cohort", url: "/app/cohorts/new" }}>
                <p>
                  Cohorts group shoppers by what they do in your store, such as abandoning a cart while an item was low on stock.
                  Members of a cohort are tagged on their Shopify customer, so your email, automation and theme tools can use them.
                </p>
              </EmptyState>
            </Card>
          ) : (
            <Card padding="0">
              <IndexTable
                resourceName={{ singular: "cohort", plural: "cohorts" }}
                itemCount={cohorts.length}
                selectable={false}
                headings={[{ title: "Cohort" }, { title: "Tag" }, { title: "Status" }, { title: "Members", alignment: "end" }, { title: "Visitors", alignment: "end" }, { title: "Customer tags" }, { title: `Last ${days} days` }]}
              >
                {cohorts.map((cohort, index) => (
                  <IndexTable.Row id={cohort.id} key={cohort.id} position={index}>
                    <IndexTable.Cell>
                      <BlockStack gap="050">
                        <Link url={`/app/cohorts/${cohort.id}`} removeUnderline>
                          {cohort.title}
                        </Link>
                        <Text as="span" variant="bodySm" tone="subdued">
                          {cohort.summary}
                        </Text>
                      </BlockStack>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" variant="bodyMd">
                        <code>{cohort.tag}</code>
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Badge tone={cohort.enabled ? "success" : undefined}>{cohort.enabled ? "Enabled" : "Disabled"}</Badge>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" alignment="end" numeric>
                        {cohort.members.toLocaleString("en-US")}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" alignment="end" numeric>
                        {cohort.visitors.toLocaleString("en-US")}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" variant="bodySm" tone={cohort.tags.failed > 0 ? "critical" : undefined}>
                        <span data-testid="cohort-tags">{tagSummary(cohort.tags)}</span>
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Sparkline values={cohort.sparkline} label={`${cohort.title}: size over the last ${days} days`} />
                    </IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </Card>
          )}
        </Layout.Section>
        <Layout.AnnotatedSection
          title="Tag prefix"
          description="Cohort members carry the customer tag <prefix><cohort key>. A new prefix moves the tags: Roost removes the old ones and adds the new ones on every customer in a cohort."
        >
          <TagPrefixForm tagPrefix={tagPrefix} />
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}

function TagPrefixForm({ tagPrefix }: { tagPrefix: string }) {
  const result = useActionData<typeof action>();
  const saving = useNavigation().state === "submitting";
  const [prefix, setPrefix] = useState(tagPrefix);
  return (
    <Card>
      <Form method="post">
        <FormLayout>
          {result?.ok && <Banner tone="success">{result.changed ? `Tag prefix saved: new tags start with "${result.prefix}".` : "Tag prefix saved: nothing had changed."}</Banner>}
          <TextField
            label="Tag prefix"
            name="cohortTagPrefix"
            value={prefix}
            onChange={setPrefix}
            autoComplete="off"
            helpText="Letters, digits and - _ : . only, at most 40 characters; may be empty."
            error={result && !result.ok ? result.errors.cohortTagPrefix : undefined}
          />
          <Button submit variant="primary" loading={saving}>
            Save tag prefix
          </Button>
        </FormLayout>
      </Form>
    </Card>
  );
}

const WIDTH = 120;
const HEIGHT = 28;

/** The cohort's daily sizes as a line, with the figures as text for screen readers. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const id = useId();
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(HEIGHT - 2 - (value / max) * (HEIGHT - 4)).toFixed(1)}`).join(" ");
  const figures = values.join(", ");
  return (
    <span data-testid="cohort-sparkline">
      <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={id} focusable="false">
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      </svg>
      <Text as="span" visuallyHidden>
        <span id={id}>{`${label}, oldest first: ${figures}`}</span>
      </Text>
    </span>
  );
}

/** A cohort's customer tags in a line: how many are on customers, still to write, and failed. */
function tagSummary(tags: { applied: number; pending: number; failed: number }): string {
  const n = (count: number) => count.toLocaleString("en-US");
  return `${n(tags.applied)} applied · ${n(tags.pending)} pending · ${n(tags.failed)} failed`;
}
