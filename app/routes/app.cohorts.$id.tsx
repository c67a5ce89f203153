import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, FormLayout, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import { ConfirmModal } from "../components/ConfirmModal";
import { NotFoundBoundary } from "../components/NotFoundBoundary";
import { CohortParamFields, defaultParamValues } from "../components/CohortParamFields";
import { PreviewCard, ShopperTable } from "../components/CohortShoppers";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import { formatWhen } from "../services/members/format";
import { cohortRulePage, previewCohort } from "../services/cohorts/reports.server";
import { deleteRule, paramContext, renameRule, setRuleEnabled, updateRule } from "../services/cohorts/rules.server";
import { cohortTag, type FieldErrors, isTemplateKey, paramsToForm, parseRuleParams, TEMPLATES } from "../services/cohorts/templates";
import { parseShopSettings } from "../services/program/settings";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const notFound = () => new Response("Cohort not found", { status: 404 });

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  // Another shop's rule is not found, exactly like one that does not exist.
  const page = shop && params.id ? await cohortRulePage(db, shop, params.id) : null;
  if (!shop || !page) throw notFound();
  return { ...page, form: page.params ? paramsToForm(page.params, shop.currency) : null, tiers: paramContext(shop).tiers, currency: shop.currency, timezone: shop.timezone };
};

const ruleForm = z.object({ intent: z.enum(["update", "preview", "enable", "disable", "delete", "rename"]) });

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  if (!shop || !params.id) throw notFound();
  const form = await request.formData();
  const parsed = ruleForm.safeParse({ intent: form.get("intent") });
  if (!parsed.success) throw new Response("Unknown action", { status: 400 });
  const { intent } = parsed.data;
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  if (intent === "delete") {
    if (!(await deleteRule(deps, shop, params.id, actor))) throw notFound();
    throw context.redirect("/app/cohorts");
  }
  if (intent === "enable" || intent === "disable") {
    const result = await setRuleEnabled(deps, shop, params.id, intent === "enable", actor);
    if (!result.ok) throw notFound();
    return { intent, errors: {} as FieldErrors, preview: null, message: intent === "enable" ? "Cohort enabled: its members are tagged." : "Cohort disabled: everyone left it and their tags are being removed." };
  }
  if (intent === "rename") {
    const renamed = await renameRule(deps, shop, params.id, String(form.get("key") ?? ""), actor);
    if (!renamed.ok) {
      if (renamed.errors.rule) throw notFound();
      return { intent, errors: renamed.errors, preview: null, message: null };
    }
    const tag = cohortTag(parseShopSettings(shop.settings).cohortTagPrefix, renamed.rule.key);
    return { intent, errors: {} as FieldErrors, preview: null, message: `Key saved: the tag ${tag} replaces the old one on every member's customer.` };
  }
  const page = await cohortRulePage(deps.db, shop, params.id, 0);
  if (!page || !isTemplateKey(page.rule.template)) throw notFound();
  const raw = Object.fromEntries(TEMPLATES[page.rule.template].fields.map((field) => [field.name, String(form.get(field.name) ?? "")]));
  if (intent === "preview") {
    const checked = parseRuleParams(page.rule.template, raw, paramContext(shop));
    if (!checked.ok) return { intent, errors: checked.errors, preview: null, message: null };
    return { intent, errors: {} as FieldErrors, preview: await previewCohort(deps.db, shop, checked.params, deps.clock.now()), message: null };
  }
  const updated = await updateRule(deps, shop, params.id, raw, actor);
  if (!updated.ok) return { intent, errors: updated.errors, preview: null, message: null };
  return { intent, errors: {} as FieldErrors, preview: null, message: updated.rule.enabled ? "Settings saved and the cohort evaluated again." : "Settings saved." };
};

export default function CohortRule() {
  const { rule, form, members, tiers, currency, timezone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: FieldErrors = result?.errors ?? {};
  const navigation = useNavigation();
  const submit = useSubmit();
  const busy = (intent: string) => navigation.state !== "idle" && navigation.formData?.get("intent") === intent;
  const template = isTemplateKey(rule.template) ? rule.template : null;
  const [values, setValues] = useState<Record<string, string>>(() => form ?? (template ? defaultParamValues(template, tiers) : {}));
  const [confirming, setConfirming] = useState(false);
  const [key, setKey] = useState(rule.key);

  const send = (intent: string) => {
    const data = new FormData();
    data.set("intent", intent);
    for (const [name, value] of Object.entries(values)) data.set(name, value);
    submit(data, { method: "post" });
  };

  return (
    <Page
      title={rule.title}
      subtitle={rule.tag}
      backAction={{ content: "Cohorts", url: "/app/cohorts" }}
      titleMetadata={<Badge tone={rule.enabled ? "success" : undefined}>{rule.enabled ? "Enabled" : "Disabled"}</Badge>}
      primaryAction={{ content: rule.enabled ? "Disable" : "Enable", loading: busy(rule.enabled ? "disable" : "enable"), onAction: () => send(rule.enabled ? "disable" : "enable") }}
      secondaryActions={[{ content: "Delete", destructive: true, onAction: () => setConfirming(true) }]}
    >
      <Layout>
        {result?.message && (
          <Layout.Section>
            <Banner tone="success">{result.message}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="p">
                Tag: <code data-testid="cohort-tag">{rule.tag}</code>
              </Text>
              <Text as="p">Template: {rule.title}. {rule.description}</Text>
              <Text as="p">
                <span data-testid="cohort-status">
                  {rule.enabled ? `Enabled: ${rule.size.toLocaleString("en-US")} in the cohort now` : "Disabled: no one enters it until it is enabled"}
                  {rule.lastEvaluatedAt ? `, last evaluated ${formatWhen(rule.lastEvaluatedAt, timezone)}.` : "."}
                </span>
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            {template ? (
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  send("update");
                }}
              >
                <FormLayout>
                  <Text as="h2" variant="headingMd">
                    Settings
                  </Text>
                  {Object.keys(errors).some((name) => name !== "key") && <Banner tone="critical">Some settings need fixing.</Banner>}
                  <CohortParamFields template={template} values={values} onChange={(name, value) => setValues((current) => ({ ...current, [name]: value }))} errors={errors} tiers={tiers} currency={currency} />
                  <InlineStack gap="200">
                    <Button onClick={() => send("preview")} loading={busy("preview")}>
                      Preview
                    </Button>
                    <Button submit variant="primary" loading={busy("update")}>
                      Save settings
                    </Button>
                  </InlineStack>
                </FormLayout>
              </form>
            ) : (
              <Text as="p">This cohort&apos;s template is not one this version of Roost knows: it matches no one.</Text>
            )}
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <form
              onSubmit={(event) => {
                event.preventDefault();
                const data = new FormData();
                data.set("intent", "rename");
                data.set("key", key);
                submit(data, { method: "post" });
              }}
            >
              <FormLayout>
                <Text as="h2" variant="headingMd">
                  Tag
                </Text>
                <TextField
                  label="Key"
                  name="key"
                  value={key}
                  onChange={setKey}
                  autoComplete="off"
                  prefix={rule.tag.slice(0, rule.tag.length - rule.key.length)}
                  error={errors.key}
                  helpText="Lower-case letters, digits and hyphens. Changing it moves the tag on every member's customer: update any Klaviyo segment, Flow or discount that matches the old tag."
                />
                <InlineStack>
                  <Button submit loading={busy("rename")} disabled={key.trim() === rule.key}>
                    Save key
                  </Button>
                </InlineStack>
              </FormLayout>
            </form>
          </Card>
        </Layout.Section>
        {result?.preview && (
          <Layout.Section>
            <PreviewCard preview={result.preview} timezone={timezone} />
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                In the cohort
              </Text>
              {members.length === 0 ? (
                <Text as="p" tone="subdued">
                  {rule.enabled ? "No one is in this cohort now." : "No one: the cohort is disabled."}
                </Text>
              ) : (
                <>
                  <Text as="p" tone="subdued">
                    {members.length < rule.size ? `The latest ${members.length} of ${rule.size.toLocaleString("en-US")} to enter, newest first.` : "Newest first."}
                  </Text>
                  <ShopperTable rows={members} timezone={timezone} entered />
                </>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
      <ConfirmModal open={confirming} onClose={() => setConfirming(false)} title={`Delete the cohort ${rule.tag}?`} action="Delete cohort" loading={busy("delete")} onConfirm={() => send("delete")}>
        Everyone leaves the cohort and the tag {rule.tag} is removed from their customers. Its history of entries and exits is kept. This cannot be undone.
      </ConfirmModal>
    </Page>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary title="Cohort not found" back={{ content: "Cohorts", url: "/app/cohorts" }} message="This store has no such cohort. It may have been deleted." />;
}
