import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { appDeps } from "../runtime.server";
import { ensurePixelConnected } from "../services/pixel/connection.server";
import { authenticate } from "../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  // The first admin load after install connects Roost's web pixel (here rather than in afterAuth:
  // a shop whose offline session already exists, a reinstall that kept it, or a failed first try
  // still gets its pixel on the next load). Once connected, or after the merchant disconnected it,
  // this is one read of the Shop row.
  await ensurePixelConnected(appDeps(), session.shop, process.env.SHOPIFY_APP_URL || new URL(request.url).origin);
  return {
    apiKey: process.env.SHOPIFY_API_KEY || "",
    // Only `npm run demo` and the browser tests set this: Shopify's CDN is unreachable there,
    // so they serve a local App Bridge stand-in.
    appBridgeUrl: process.env.NODE_ENV === "production" ? undefined : process.env.ROOST_APP_BRIDGE_URL,
  };
};

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} __APP_BRIDGE_URL={appBridgeUrl}>
      <NavMenu>
        <Link to="/app" rel="home">
          Dashboard
        </Link>
        <Link to="/app/members">Members</Link>
        <Link to="/app/cohorts">Cohorts</Link>
        <Link to="/app/rewards">Rewards</Link>
        <Link to="/app/settings">Settings</Link>
        <Link to="/app/webhooks">Webhooks</Link>
        <Link to="/app/api-tokens">API tokens</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

// Shopify's boundary adds the headers App Bridge needs on error and redirect responses.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
