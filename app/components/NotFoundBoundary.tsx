import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Card, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";

/**
 * A detail page's error boundary: a 404 (another shop's record, or one since removed) as a page
 * that says so, with the way back; anything else to Shopify's boundary.
 */
export function NotFoundBoundary({ title, back, message }: { title: string; back: { content: string; url: string }; message: string }) {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page title={title} backAction={back}>
        <Card>
          <Text as="p">{message}</Text>
        </Card>
      </Page>
    );
  }
  return boundary.error(error);
}
