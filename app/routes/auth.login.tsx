import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { useState } from "react";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { LoginErrorType } from "@shopify/shopify-app-remix/server";
import { login } from "../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

// Outside the admin (e.g. a partner opening the app URL directly) the shop is asked for here.
async function loginErrors(request: Request) {
  const errors = await login(request);
  if (errors?.shop === LoginErrorType.InvalidShop) return { shopError: "Enter a valid myshopify.com domain" };
  if (errors?.shop === LoginErrorType.MissingShop && request.method === "POST") return { shopError: "Enter your shop domain" };
  return { shopError: undefined };
}

export const loader = async ({ request }: LoaderFunctionArgs) => loginErrors(request);
export const action = async ({ request }: ActionFunctionArgs) => loginErrors(request);

export default function Login() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const error = (actionData ?? loaderData).shopError;
  return (
    // Shopify's AppProvider brings Polaris's English strings. Outside the admin there is no App
    // Bridge script, so the API key it would carry is not needed.
    <AppProvider isEmbeddedApp={false} apiKey="">
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h2">
                Log in to Roost
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={error}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
