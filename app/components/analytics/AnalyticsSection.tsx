import { Banner, BlockStack, Card, InlineGrid, Layout, Text } from "@shopify/polaris";
import type { DataSeries } from "@shopify/polaris-viz";
import { lazy } from "react";
import type { Analytics } from "../../services/analytics/types";
import type { DashboardAnalytics } from "../../services/dashboard.server";
import { formatWhen } from "../../lib/dates";
import { ChartCard, type ChartTable } from "./ChartCard";
import { Figure } from "../Figure";
import { countText, dayLabel, hourLabel, rangeDates, rangeLabel, ratePercent, rateText } from "./format";
import { RangePicker } from "./RangePicker";

// The charts' code (polaris-viz, react-spring, d3: most of the page's script) loads after the page
// has rendered and hydrated with its tables, rather than with the route.
const LineSeriesChart = lazy(() => import("./charts.client").then((charts) => ({ default: charts.LineSeriesChart })));
const BarSeriesChart = lazy(() => import("./charts.client").then((charts) => ({ default: charts.BarSeriesChart })));

// Each kind its own colour (the default palette gives issued and expired near-identical blues):
// gained green, spent blue, lapsed grey, taken back red.
const POINT_KINDS = [
  { key: "issued", label: "Issued", color: "#2e9e6e" },
  { key: "redeemed", label: "Redeemed", color: "#4b6fe5" },
  { key: "expired", label: "Expired", color: "#8a8a8a" },
  { key: "clawedBack", label: "Clawed back", color: "#d4435a" },
] as const;

/** Each chart's figures as its table (and the tests' reading of it): one place builds both. */
export function analyticsTables(analytics: Analytics): Record<"points" | "tiers" | "repeat" | "cohorts" | "events", ChartTable> {
  const span = rangeDates(analytics.range);
  const { members, nonMembers } = analytics.repeatPurchase;
  const cohortDays = analytics.cohorts[0]?.sizes.map((size) => size.day) ?? [];
  return {
    points: {
      id: "points",
      caption: `Points per day, ${span}`,
      columns: ["Day", ...POINT_KINDS.map((kind) => kind.label)],
      rows: analytics.points.map((day) => ({ key: day.day, cells: [dayLabel(day.day), ...POINT_KINDS.map((kind) => countText(day[kind.key]))] })),
    },
    tiers: {
      id: "tiers",
      caption: "Members by tier, now",
      columns: ["Tier", "Members"],
      rows: analytics.tiers.map((tier) => ({ key: tier.tier, cells: [tier.tier, countText(tier.members)] })),
    },
    repeat: {
      id: "repeat",
      caption: "Repeat purchase rate, members and non-members",
      columns: ["Customers", "With an order", "With two or more", "Repeat rate"],
      rows: [
        { key: "members", cells: ["Members", countText(members.customers), countText(members.repeat), rateText(members.repeat, members.customers)] },
        { key: "non-members", cells: ["Non-members", countText(nonMembers.customers), countText(nonMembers.repeat), rateText(nonMembers.repeat, nonMembers.customers)] },
      ],
    },
    cohorts: {
      id: "cohorts",
      caption: `Cohort sizes at the end of each day, ${span}`,
      columns: ["Day", ...analytics.cohorts.map((cohort) => cohort.name)],
      rows: cohortDays.map((day, index) => ({ key: day, cells: [dayLabel(day), ...analytics.cohorts.map((cohort) => countText(cohort.sizes[index]?.size ?? 0))] })),
    },
    events: {
      id: "events",
      caption: `Webhooks and pixel events per hour, ${analytics.timezone} time`,
      columns: ["Hour", "Webhooks", "Pixel events"],
      rows: analytics.events.map((hour) => ({ key: hour.hour, cells: [formatWhen(hour.hour, analytics.timezone), countText(hour.webhooks), countText(hour.pixel)] })),
    },
  };
}

/**
 * The Dashboard's analytics: the range control, the summary figures, and one card per chart, each
 * with its figures as a table. Rendered on the server with every table; the charts draw once
 * React runs in the browser.
 */
export function AnalyticsSection({ analytics: view }: { analytics: DashboardAnalytics }) {
  const { data: analytics, rangeError, today, liability, pointValue } = view;
  const tables = analyticsTables(analytics);
  const { totals, outstanding } = analytics;
  const days = analytics.points.map((day) => dayLabel(day.day));
  const pointsSeries: DataSeries[] = POINT_KINDS.map((kind) => ({ name: kind.label, color: kind.color, data: analytics.points.map((day, index) => ({ key: days[index], value: day[kind.key] })) }));
  const { members, nonMembers } = analytics.repeatPurchase;
  const movedPoints = totals.issued + totals.redeemed + totals.expired + totals.clawedBack > 0;
  const memberCount = analytics.tiers.reduce((sum, tier) => sum + tier.members, 0);
  const anyEvents = analytics.events.some((hour) => hour.webhooks > 0 || hour.pixel > 0);

  return (
    <>
      <Layout.Section>
        <BlockStack gap="300">
          <RangePicker key={`${analytics.range.from}/${analytics.range.to}/${analytics.range.preset}`} range={analytics.range} today={today} />
          {rangeError && (
            <Banner tone="warning" title="That date range can't be shown">
              <p data-testid="analytics-range-error">
                {rangeError} Showing {rangeLabel(analytics.range).toLowerCase()} instead.
              </p>
            </Banner>
          )}
        </BlockStack>
      </Layout.Section>

      <Layout.Section>
        <Card>
          <BlockStack gap="400">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                Points
              </Text>
              <Text as="p" tone="subdued">
                Moved {rangeDates(analytics.range)}, by day in {analytics.timezone}; outstanding points and their value are as of now.
              </Text>
            </BlockStack>
            <InlineGrid columns={{ xs: 2, md: 3, lg: 6 }} gap="400">
              <Figure label="Issued" testId="analytics-total-issued" value={countText(totals.issued)} />
              <Figure label="Redeemed" testId="analytics-total-redeemed" value={countText(totals.redeemed)} />
              <Figure label="Expired" testId="analytics-total-expired" value={countText(totals.expired)} />
              <Figure label="Clawed back" testId="analytics-total-clawed-back" value={countText(totals.clawedBack)} />
              <Figure label="Outstanding" testId="analytics-outstanding-points" value={countText(outstanding.points)} />
              <Figure label="Liability" testId="analytics-liability" value={liability ?? "–"} />
            </InlineGrid>
            <Text as="p" tone="subdued">
              <span data-testid="analytics-point-value">{pointValue}</span>
            </Text>
            {analytics.pointsAsOf && (
              <Banner tone="info">
                <p data-testid="analytics-points-as-of">
                  Roost is still adding up recent points: the figures for the range count entries recorded up to {formatWhen(analytics.pointsAsOf, analytics.timezone)}. Reload in a minute or two for the rest.
                </p>
              </Banner>
            )}
          </BlockStack>
        </Card>
      </Layout.Section>

      <Layout.Section>
        <ChartCard
          id="points"
          title="Points per day"
          empty={movedPoints ? null : "No points were issued, redeemed, expired or clawed back in this range."}
          table={tables.points}
          chart={() => <LineSeriesChart data={pointsSeries} />}
        />
      </Layout.Section>

      <Layout.Section variant="oneHalf">
        <ChartCard
          id="tiers"
          title="Members by tier"
          empty={memberCount > 0 ? null : "No members yet. Customers become members when they enrol."}
          table={tables.tiers}
          chart={() => <BarSeriesChart data={[{ name: "Members", data: analytics.tiers.map((tier) => ({ key: tier.tier, value: tier.members })) }]} />}
        />
      </Layout.Section>

      <Layout.Section variant="oneHalf">
        <ChartCard
          id="repeat"
          title="Repeat purchase rate"
          description={
            <Text as="p" tone="subdued">
              Customers with two or more orders, of those with any.
            </Text>
          }
          empty={members.customers + nonMembers.customers > 0 ? null : "No customer has ordered yet."}
          table={tables.repeat}
          chart={() => (
            <BarSeriesChart
              percentages
              data={[
                {
                  name: "Repeat rate",
                  data: [
                    { key: `Members (${countText(members.repeat)} of ${countText(members.customers)})`, value: ratePercent(members.repeat, members.customers) },
                    { key: `Non-members (${countText(nonMembers.repeat)} of ${countText(nonMembers.customers)})`, value: ratePercent(nonMembers.repeat, nonMembers.customers) },
                  ],
                },
              ]}
            />
          )}
        />
      </Layout.Section>

      <Layout.Section>
        <ChartCard
          id="cohorts"
          title="Cohort sizes"
          empty={analytics.cohorts.length > 0 ? null : "No cohort is enabled. Enable one in Cohorts to follow its size here."}
          table={tables.cohorts}
          chart={() => <LineSeriesChart data={analytics.cohorts.map((cohort) => ({ name: cohort.name, data: cohort.sizes.map((size) => ({ key: dayLabel(size.day), value: size.size })) }))} />}
        />
      </Layout.Section>

      <Layout.Section>
        <ChartCard
          id="events"
          title="Webhooks and pixel events per hour"
          description={
            <Text as="p" tone="subdued">
              The last 7 days of the range, by hour in {analytics.timezone}.
            </Text>
          }
          empty={anyEvents ? null : "No webhooks or pixel events arrived in the last 7 days of this range."}
          table={tables.events}
          chart={() => (
            <LineSeriesChart
              data={[
                { name: "Webhooks", data: analytics.events.map((hour) => ({ key: hourLabel(hour.hour, analytics.timezone), value: hour.webhooks })) },
                { name: "Pixel events", data: analytics.events.map((hour) => ({ key: hourLabel(hour.hour, analytics.timezone), value: hour.pixel })) },
              ]}
            />
          )}
        />
      </Layout.Section>
    </>
  );
}
