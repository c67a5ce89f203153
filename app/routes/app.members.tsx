import type { LoaderFunctionArgs } from "@remix-run/node";
import { Card, EmptyState, Layout, Page } from "@shopify/polaris";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};

export default function Members() {
  return (
    <Page title="Members">
      <Layout>
        <Layout.Section>
          <Card>
            <EmptyState heading="No members yet" image="">
              <p>
                Members are the shoppers you own: Roost enrols your customers as it reads them from
                your store, and shows each one&apos;s points balance, tier and ledger here.
              </p>
            </EmptyState>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
