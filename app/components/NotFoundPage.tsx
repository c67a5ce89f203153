import { BlockStack, Card, InlineStack, Link, Page, Text } from "@shopify/polaris";

/**
 * The admin's "not found" page: an unknown path (app/routes/app.$.tsx) or a record this store does
 * not have (NotFoundBoundary). It renders inside the app layout, so the navigation stays.
 */
export function NotFoundPage({
  title = "Page not found",
  message = "This page does not exist in Roost. The link may be out of date.",
  back,
}: {
  title?: string;
  message?: string;
  back?: { content: string; url: string };
}) {
  return (
    <Page title={title} backAction={back}>
      <Card>
        <BlockStack gap="300">
          <Text as="p">{message}</Text>
          <InlineStack gap="400">
            <Link url="/app">Go to the Dashboard</Link>
            <Link url="/app/members">Go to Members</Link>
          </InlineStack>
        </BlockStack>
      </Card>
    </Page>
  );
}
