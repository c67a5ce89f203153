import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, EmptyState, FormLayout, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { ConfirmModal } from "../components/ConfirmModal";
import db from "../db.server";
import { formatWhen } from "../lib/dates";
import { adminActor, type ApiTokenSummary, createApiToken, listApiTokens, revokeApiToken } from "../services/api/tokens.server";
import { apiTokenForm } from "../services/api/validators";
import { ensureShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const view = (token: ApiTokenSummary) => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  createdAt: token.createdAt.toISOString(),
  lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  revokedAt: token.revokedAt?.toISOString() ?? null,
});

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await ensureShop(db, session.shop);
  return { tokens: (await listApiTokens(db, shop.id)).map(view), timezone: shop.timezone };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const shop = await ensureShop(db, session.shop);
  const actor = adminActor({ shop: session.shop, userId: sessionToken?.sub ?? null });
  const form = await request.formData();
  if (form.get("intent") === "revoke") {
    const revoked = await revokeApiToken(db, { shopId: shop.id, tokenId: String(form.get("tokenId") ?? ""), actor });
    return revoked
      ? { intent: "revoke" as const, ok: true as const, revoked: view(revoked) }
      : { intent: "revoke" as const, ok: false as const, error: "That token does not exist." };
  }
  const parsed = apiTokenForm.safeParse({ name: form.get("name") ?? "" });
  if (!parsed.success) return { intent: "create" as const, ok: false as const, error: parsed.error.issues[0]?.message ?? "Enter a name" };
  const { token, record } = await createApiToken(db, { shopId: shop.id, name: parsed.data.name, actor });
  return { intent: "create" as const, ok: true as const, token, created: view(record) };
};

// Dates as every page shows them: in the shop's time zone.
const formatTime = (iso: string | null, timezone: string) => (iso ? formatWhen(iso, timezone) : "Never");

type CopyState = "idle" | "copied" | "refused";

/** The new token, shown once, with a button that puts it on the clipboard. */
function NewToken({ token }: { token: string }) {
  const [copy, setCopy] = useState<CopyState>("idle");
  useEffect(() => setCopy("idle"), [token]);
  const copyToken = async () => {
    try {
      // The clipboard is missing outside secure contexts and refused when permission is denied.
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(token);
      setCopy("copied");
    } catch {
      setCopy("refused");
    }
  };
  return (
    <BlockStack gap="200">
      <Box padding="200" background="bg-surface-secondary" borderRadius="200">
        <Text as="p" breakWord>
          <code data-testid="new-token">{token}</code>
        </Text>
      </Box>
      <InlineStack gap="200" blockAlign="center">
        <Button onClick={copyToken}>Copy</Button>
        {copy === "copied" && (
          <Text as="span" tone="success">
            Copied
          </Text>
        )}
        {copy === "refused" && (
          <Text as="span" tone="critical">
            The browser did not allow copying: select the token and copy it yourself.
          </Text>
        )}
      </InlineStack>
    </BlockStack>
  );
}

export default function ApiTokens() {
  const { tokens, timezone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const creating = navigation.state === "submitting" && navigation.formData?.get("intent") === "create";
  const submit = useSubmit();
  const [name, setName] = useState("");
  // The token being confirmed; it stays set while the modal closes so its title does not blank.
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const submittingRevoke = navigation.state !== "idle" && navigation.formData?.get("intent") === "revoke";
  // A created token clears the field, ready for the next one.
  useEffect(() => {
    if (result?.intent === "create" && result.ok) setName("");
    if (result?.intent === "revoke") setConfirming(false);
  }, [result]);
  return (
    <Page title="API tokens" subtitle="Let your other sales channels award and claw back points through Roost's API">
      <Layout>
        <Layout.AnnotatedSection
          title="Create a token"
          description="A token lets one system (a legacy POS, a marketplace connector) send its orders and refunds to Roost. Name it after that system, so you know which one to revoke."
        >
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="create" />
              <FormLayout>
                {result?.intent === "create" && result.ok && (
                  <Banner tone="success" title={`Token "${result.created.name}" created`}>
                    <BlockStack gap="200">
                      <Text as="p">Copy it now: Roost keeps only a fingerprint and cannot show it again.</Text>
                      <NewToken token={result.token} />
                    </BlockStack>
                  </Banner>
                )}
                <TextField
                  label="Name"
                  name="name"
                  value={name}
                  onChange={setName}
                  autoComplete="off"
                  maxLength={60}
                  helpText="For example “Warehouse POS” or “Marketplace sync”."
                  error={result?.intent === "create" && !result.ok ? result.error : undefined}
                />
                <Button submit variant="primary" loading={creating}>
                  Create token
                </Button>
              </FormLayout>
            </Form>
          </Card>
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Tokens"
          description="Revoking a token stops it at once. Uninstalling Roost revokes every token."
        >
          <Card>
            {result?.intent === "revoke" && !result.ok && <Banner tone="critical">{result.error}</Banner>}
            {tokens.length === 0 ? (
              <EmptyState heading="No API tokens" image="">
                <p>Create a token to send orders from another channel.</p>
              </EmptyState>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "text", "text", "text"]}
                headings={["Name", "Token", "Created", "Last used", "Status", ""]}
                rows={tokens.map((token) => [
                  token.name,
                  <code key="prefix">{token.prefix}…</code>,
                  formatTime(token.createdAt, timezone),
                  formatTime(token.lastUsedAt, timezone),
                  token.revokedAt ? <Badge key="status">{`Revoked ${formatTime(token.revokedAt, timezone)}`}</Badge> : <Badge key="status" tone="success">Active</Badge>,
                  token.revokedAt ? (
                    ""
                  ) : (
                    <Button key="revoke" tone="critical" variant="plain" accessibilityLabel={`Revoke ${token.name}`} onClick={() => {
                        setRevoking({ id: token.id, name: token.name });
                        setConfirming(true);
                      }}>
                      Revoke
                    </Button>
                  ),
                ])}
              />
            )}
          </Card>
        </Layout.AnnotatedSection>
      </Layout>
      <ConfirmModal
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Revoke the token "${revoking?.name ?? ""}"?`}
        action="Revoke token"
        loading={submittingRevoke}
        onConfirm={() => revoking && submit({ intent: "revoke", tokenId: revoking.id }, { method: "post" })}
      >
        The system using this token can no longer award or claw back points through Roost&apos;s API. This cannot be undone: create a new token to connect it again.
      </ConfirmModal>
    </Page>
  );
}
