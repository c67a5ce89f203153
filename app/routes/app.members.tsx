import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation, useOutlet } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, IndexTable, InlineStack, Link, Page, Pagination, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import db from "../db.server";
import { downloadFile } from "../lib/download";
import { searchMembers } from "../services/members/search.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const searchParams = z.object({
  q: z.string().max(200).catch(""),
  page: z.coerce.number().int().min(1).catch(1),
});

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const { q, page } = searchParams.parse({ q: url.searchParams.get("q") ?? "", page: url.searchParams.get("page") ?? 1 });
  const shop = await findShop(db, session.shop);
  const search = shop
    ? await searchMembers(db, shop.id, { query: q, page })
    : { query: q.trim(), page: 1, perPage: 0, total: 0, pageCount: 1, hasPrevious: false, hasNext: false, members: [] };
  return { search, currency: shop?.currency ?? "USD" };
};

const pageUrl = (query: string, page: number) => {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  if (page > 1) params.set("page", String(page));
  const search = params.toString();
  return `/app/members${search ? `?${search}` : ""}`;
};

export default function Members() {
  // app.members.$id nests under this route (flat routes): the member page replaces the list.
  const outlet = useOutlet();
  if (outlet) return outlet;
  return <MemberList />;
}

function MemberList() {
  const { search } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const [query, setQuery] = useState(search.query);
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
        {exportFailed && (
          <Banner tone="critical" onDismiss={() => setExportFailed(false)}>
            The export did not download. Try again in a moment.
          </Banner>
        )}
        <Card>
          <Form method="get" role="search">
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
          </Form>
        </Card>
        <Card padding="0">
          {search.total === 0 ? (
            search.query ? (
              <EmptyState heading="No members match your search" image="">
                <p>
                  Nobody&apos;s email, name or customer id matches &ldquo;{search.query}&rdquo;. Check the spelling, or search
                  by a Shopify customer id such as 7290123456 or gid://shopify/Customer/7290123456.
                </p>
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
              headings={[{ title: "Email" }, { title: "Name" }, { title: "Tier" }, { title: "Balance", alignment: "end" }]}
            >
              {search.members.map((member, index) => (
                <IndexTable.Row id={member.id} key={member.id} position={index}>
                  <IndexTable.Cell>
                    <Link dataPrimaryLink url={`/app/members/${member.id}`} removeUnderline>
                      <Text as="span" fontWeight="semibold">
                        {member.redacted ? "Redacted member" : (member.email ?? member.customerGid ?? member.externalId ?? "No email")}
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
                previousURL={pageUrl(search.query, search.page - 1)}
                hasNext={search.hasNext}
                nextURL={pageUrl(search.query, search.page + 1)}
                label={`Page ${search.page} of ${search.pageCount}`}
              />
            )}
          </InlineStack>
        )}
      </BlockStack>
    </Page>
  );
}
