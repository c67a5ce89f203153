import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { NotFoundPage } from "./NotFoundPage";

/**
 * A detail page's error boundary: a 404 (another shop's record, or one since removed) as the
 * admin's not-found page, saying which record and with the way back; anything else to Shopify's
 * boundary.
 */
export function NotFoundBoundary({ title, back, message }: { title: string; back: { content: string; url: string }; message: string }) {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage title={title} back={back} message={message} />;
  return boundary.error(error);
}
