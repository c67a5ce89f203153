import type { LoaderFunctionArgs } from "@remix-run/node";
import { Card, EmptyState, Layout, Page } from "@shopify/polaris";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};

export default function Cohorts() {
  return (
    <Page title="Cohorts">
      <Layout>
        <Layout.Section>
          <Card>
            <EmptyState heading="No cohort rules yet" image="">
              <p>
                Cohorts group shoppers by what they do in your store, such as abandoning a cart while
                an item was low on stock. Members of a cohort are tagged on their Shopify customer so
                Klaviyo, Flow and your theme can use them.
              </p>
            </EmptyState>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
