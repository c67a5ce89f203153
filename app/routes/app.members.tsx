import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigate, useNavigation, useOutlet } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, IndexTable, InlineStack, Link, Page, Pagination, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import db from "../db.server";
import { formatDay } from "../lib/dates";
import { downloadFile } from "../lib/download";
import { type MemberSearch, type MemberSort, searchMembers } from "../services/members/search.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const searchParams = z.object({
  q: z.string().max(200).catch(""),
  page: z.coerce.number().int().min(1).catch(1),
  // Checked against the shop's sorts, tiers and cohorts by the service: an unknown one is ignored and said so.
  sort: z.string().max(100).catch(""),
  tier: z.string().max(100).catch(""),
  cohort: z.string().max(100).catch(""),
});

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const param = (name: string) => url.searchParams.get(name) ?? "";
  const { q, page, sort, tier, cohort } = searchParams.parse({ q: param("q"), page: url.searchParams.get("page") ?? 1, sort: param("sort"), tier: param("tier"), cohort: param("cohort") });
  const shop = await findShop(db, session.shop);
  const search: MemberSearch = shop
    ? await searchMembers(db, shop.id, { query: q, page, sort, tier, cohort })
    : { query: q.trim(), sort: "newest", tier: null, cohort: null, ignored: [], options: { tiers: [], cohorts: [] }, page: 1, perPage: 0, total: 0, pageCount: 1, hasPrevious: false, hasNext: false, members: [] };
  return { search, currency: shop?.currency ?? "USD", timezone: shop?.timezone ?? "UTC" };
};

const SORT_OPTIONS = [
  { label: "Newest first", value: "newest" },
  { label: "Balance, highest first", value: "balance-desc" },
  { label: "Balance, lowest first", value: "balance-asc" },
  { label: "Tier, highest first", value: "tier-desc" },
  { label: "Tier, lowest first", value: "tier-asc" },
  { label: "Last order, most recent first", value: "last-order-desc" },
  { label: "Last order, oldest first", value: "last-order-asc" },
];

const pageUrl = (search: Pick<MemberSearch, "query" | "sort" | "tier" | "cohort">, page: number) => {
  const params = new URLSearchParams();
  if (search.query) params.set("q", search.query);
  if (search.sort !== "newest") params.set("sort", search.sort);
  if (search.tier) params.set("tier", search.tier);
  if (search.cohort) params.set("cohort", search.cohort);
  if (page > 1) params.set("page", String(page));
  const text = params.toString();
  return `/app/members${text ? `?${text}` : ""}`;
};

export default function Members() {
  // app.members.$id nests under this route (flat routes): the member page replaces the list.
  const outlet = useOutlet();
  if (outlet) return outlet;
  return <MemberList />;
}

function MemberList() {
  const { search, timezone } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const navigate = useNavigate();
  const [query, setQuery] = useState(search.query);
  const filtered = !!(search.tier || search.cohort);
  // A changed sort or filter goes into the URL (a new history entry) from the first page.
  const choose = (name: "sort" | "tier" | "cohort", value: string) => {
    const next = { query, sort: search.sort, tier: search.tier, cohort: search.cohort };
    if (name === "sort") next.sort = (value || "newest") as MemberSort;
    else next[name] = value || null;
    navigate(pageUrl(next, 1));
  };
  const searching = navigation.state === "loading" && navigation.location?.pathname === "/app/members";
  const first = (search.page - 1) * search.perPage + 1;
  const [exporting, setExporting] = useState(false);
  const [exportFailed, setExportFailed] = useState(false);
  // Every member of the shop, whatever the search and page show.
  const exportCsv = async () => {
    setExporting(true);
    setExportFailed(false);
    const ok = await downloadFile("/app/members/export", "roost-members.csv").catch(() => false);
    setExportFailed(!ok);
    setExporting(false);
  };

  return (
    <Page
      title="Members"
      subtitle="Shoppers enrolled in your loyalty program, with their points and tier"
      secondaryActions={[{ content: "Export CSV", loading: exporting, onAction: exportCsv, helpText: "Every member, with points, tier, last order and cohorts" }]}
    >
      <BlockStack gap="400">
        {search.ignored.length > 0 && (
          <Banner tone="warning" title="Part of this link was ignored">
            {search.ignored.map((reason) => (
              <p key={reason}>{reason}</p>
            ))}
          </Banner>
        )}
        {exportFailed && (
          <Banner tone="critical" onDismiss={() => setExportFailed(false)}>
            The export did not download. Try again in a moment.
          </Banner>
        )}
        <Card>
          <Form method="get" role="search">
            {search.sort !== "newest" && <input type="hidden" name="sort" value={search.sort} />}
            {search.tier && <input type="hidden" name="tier" value={search.tier} />}
            {search.cohort && <input type="hidden" name="cohort" value={search.cohort} />}
            <BlockStack gap="200">
            <InlineStack gap="200" blockAlign="end" wrap={false}>
              <div style={{ flexGrow: 1 }}>
                <TextField
                  label="Search members"
                  labelHidden
                  name="q"
                  value={query}
                  onChange={setQuery}
                  placeholder="Email, name, or Shopify customer id"
                  autoComplete="off"
                  clearButton
                  onClearButtonClick={() => setQuery("")}
                />
              </div>
              <Button submit loading={searching}>
                Search
              </Button>
            </InlineStack>
            <InlineStack gap="200" blockAlign="end">
              <Select label="Sort by" options={SORT_OPTIONS} value={search.sort} onChange={(value) => choose("sort", value)} />
              <Select
                label="Tier"
                options={[{ label: "Every tier", value: "" }, ...search.options.tiers.map((tier) => ({ label: tier, value: tier }))]}
                value={search.tier ?? ""}
                onChange={(value) => choose("tier", value)}
              />
              <Select
                label="Cohort"
                options={[{ label: "Every member", value: "" }, ...search.options.cohorts.map((cohort) => ({ label: cohort.label, value: cohort.key }))]}
                value={search.cohort ?? ""}
                onChange={(value) => choose("cohort", value)}
              />
            </InlineStack>
            </BlockStack>
          </Form>
        </Card>
        <Card padding="0">
          {search.total === 0 ? (
            search.query || filtered ? (
              <EmptyState heading="No members match your search" image="">
                {!search.query ? <p>No member is in the tier or cohort you chose.</p> : <p>
                  Nobody&apos;s email, name or customer id matches &ldquo;{search.query}&rdquo;. Check the spelling, or search
                  by a Shopify customer id such as 7290123456 or gid://shopify/Customer/7290123456.
                </p>}
              </EmptyState>
            ) : (
              <EmptyState heading="No members yet" image="">
                <p>
                  Members are the shoppers you own: Roost enrols your customers as it reads them from your store, and shows
                  each one&apos;s points balance, tier and ledger here.
                </p>
              </EmptyState>
            )
          ) : (
            <IndexTable
              resourceName={{ singular: "member", plural: "members" }}
              itemCount={search.members.length}
              selectable={false}
              headings={[{ title: "Email" }, { title: "Name" }, { title: "Tier" }, { title: "Balance", alignment: "end" }, { title: "Last order" }]}
            >
              {search.members.map((member, index) => (
                <IndexTable.Row id={member.id} key={member.id} position={index}>
                  <IndexTable.Cell>
                    <Link dataPrimaryLink url={`/app/members/${member.id}`} removeUnderline>
                      <Text as="span" fontWeight="semibold">
                        {member.redacted ? "Redacted member" : (member.email ?? (member.externalId ? `External id ${member.externalId}` : "No email"))}
                      </Text>
                    </Link>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{member.name ?? ""}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge>{member.tier}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      <span data-testid={`balance-${member.id}`}>{member.balance.toLocaleString("en-US")}</span>
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <span data-testid={`last-order-${member.id}`}>{member.lastOrderAt ? formatDay(member.lastOrderAt, timezone) : "No order yet"}</span>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          )}
        </Card>
        {search.total > 0 && (
          <InlineStack align="space-between" blockAlign="center">
            <Text as="p" tone="subdued">
              {first}–{first + search.members.length - 1} of {search.total.toLocaleString("en-US")} member{search.total === 1 ? "" : "s"}
            </Text>
            {search.pageCount > 1 && (
              <Pagination
                hasPrevious={search.hasPrevious}
                previousURL={pageUrl(search, search.page - 1)}
                hasNext={search.hasNext}
                nextURL={pageUrl(search, search.page + 1)}
                label={`Page ${search.page} of ${search.pageCount}`}
              />
            )}
          </InlineStack>
        )}
      </BlockStack>
    </Page>
  );
}
