import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, FormLayout, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import db from "../db.server";
import { listDataRequests } from "../services/privacy/privacy.server";
import { parseShopSettings } from "../services/shops/settings";
import { findShop, updateShopSettings } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(db, session.shop);
  return {
    domain: session.shop,
    orgId: shop?.orgId ?? null,
    timezone: shop?.timezone ?? "UTC",
    currency: shop?.currency ?? "USD",
    scopes: session.scope?.split(",") ?? [],
    settings: parseShopSettings(shop?.settings ?? "{}"),
    dataRequests: shop ? await listDataRequests(db, shop.id) : [],
  };
};

const settingsForm = z.object({
  lowStockThreshold: z.coerce.number({ message: "Enter a whole number" }).int("Enter a whole number").min(0, "Enter 0 or more").max(1_000_000, "Enter at most 1,000,000"),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const parsed = settingsForm.safeParse({ lowStockThreshold: form.get("lowStockThreshold") || undefined });
  if (!parsed.success) {
    return { saved: false as const, errors: { lowStockThreshold: parsed.error.issues[0]?.message ?? "Invalid value" } };
  }
  const settings = await updateShopSettings(db, session.shop, parsed.data);
  return { saved: true as const, settings };
};

export default function Settings() {
  const { domain, orgId, timezone, currency, scopes, settings, dataRequests } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const saving = useNavigation().state === "submitting";
  const [threshold, setThreshold] = useState(String(settings.lowStockThreshold));
  return (
    <Page title="Settings">
      <Layout>
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
          description="The Roost pixel identifies your store by this public organisation id, never by a secret."
        >
          <Card>
            <Text as="p">Organisation id: {orgId ?? "assigned when the store finishes installing"}</Text>
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
                  new Date(request.createdAt).toLocaleString(),
                  request.email ?? request.customerGid ?? "unknown",
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

// Fetched rather than linked: inside the admin, App Bridge adds the session token to fetches.
async function downloadExport(id: string) {
  const response = await fetch(`/app/privacy/${id}`);
  if (!response.ok) return;
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "data-request.json";
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
}
