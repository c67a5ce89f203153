import { Link as RemixLink } from "@remix-run/react";
import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { PreviewView, ShopperRow } from "../services/cohorts/reports.server";
import { formatWhen } from "../services/members/format";

const count = (value: number, one: string, many: string) => `${value.toLocaleString("en-US")} ${value === 1 ? one : many}`;

/** "2 members and 1 anonymous visitor match now". */
export function previewSentence(preview: Pick<PreviewView, "members" | "visitors">): string {
  return `${count(preview.members, "member", "members")} and ${count(preview.visitors, "anonymous visitor", "anonymous visitors")} match now`;
}

/** Shoppers in (or matching) a cohort: a member links to their page; a visitor is named by a short id. */
export function ShopperTable({ rows, timezone, entered }: { rows: ShopperRow[]; timezone: string; entered: boolean }) {
  return (
    <div data-testid="cohort-shoppers">
      <DataTable
        columnContentTypes={entered ? ["text", "text", "text"] : ["text", "text"]}
        headings={entered ? ["Shopper", "Entered", "Why"] : ["Shopper", "Why"]}
        verticalAlign="top"
        rows={rows.map((row) => [
          row.kind === "member" && row.memberId ? (
            <BlockStack gap="050" key={row.subjectKey}>
              <RemixLink to={`/app/members/${row.memberId}`}>{row.name}</RemixLink>
              {row.email && row.email !== row.name && (
                <Text as="span" variant="bodySm" tone="subdued">
                  {row.email}
                </Text>
              )}
            </BlockStack>
          ) : (
            row.name
          ),
          ...(entered ? [row.enteredAt ? formatWhen(row.enteredAt, timezone) : ""] : []),
          <BlockStack gap="050" key={`${row.subjectKey}-why`}>
            {row.why.map((sentence) => (
              <Text as="p" key={sentence}>
                {sentence}
              </Text>
            ))}
          </BlockStack>,
        ])}
      />
    </div>
  );
}

/** What a preview found: the counts, and a sample of ten with why each matches. */
export function PreviewCard({ preview, timezone }: { preview: PreviewView; timezone: string }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Preview
        </Text>
        <Text as="p">
          <span data-testid="cohort-preview-counts">{previewSentence(preview)}</span>
        </Text>
        {preview.sample.length > 0 && (
          <>
            <Text as="p" tone="subdued">
              {preview.sample.length < preview.members + preview.visitors ? `A sample of ${preview.sample.length}, the most recent first:` : "The most recent first:"}
            </Text>
            <ShopperTable rows={preview.sample} timezone={timezone} entered={false} />
          </>
        )}
      </BlockStack>
    </Card>
  );
}
