import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "Roost" }];

// Shopify opens the app at its application_url with ?shop=…: send it into the embedded app.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return null;
};

export default function Index() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "4rem auto", lineHeight: 1.5 }}>
      <h1>Roost</h1>
      <p>
        Loyalty points and behavioural cohorts for Shopify stores, written back to your customers as
        tags and metafields. Install Roost from your Shopify admin; it opens inside the admin.
      </p>
    </main>
  );
}
