import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import { CohortParamFields, defaultParamValues } from "../components/CohortParamFields";
import { PreviewCard } from "../components/CohortShoppers";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import { previewCohort } from "../services/cohorts/reports.server";
import { createRule, paramContext, validateNewRule } from "../services/cohorts/rules.server";
import { cohortTag, defaultRuleKey, type FieldErrors, parseRuleParams, TEMPLATE_KEYS, type TemplateKey, TEMPLATES } from "../services/cohorts/templates";
import { parseShopSettings } from "../services/program/settings";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

const notFound = () => new Response("Shop not found", { status: 404 });

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(appDeps().db, session.shop);
  if (!shop) throw notFound();
  return { tiers: paramContext(shop).tiers, currency: shop.currency, timezone: shop.timezone, tagPrefix: parseShopSettings(shop.settings).cohortTagPrefix };
};

const newRuleForm = z.object({
  intent: z.enum(["preview", "save", "save-enable"]).catch("preview"),
  template: z.string(),
  key: z.string().max(300),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const deps = appDeps();
  const shop = await findShop(deps.db, context.session.shop);
  if (!shop) throw notFound();
  const form = await request.formData();
  const { intent, template, key } = newRuleForm.parse({ intent: form.get("intent"), template: String(form.get("template") ?? ""), key: String(form.get("key") ?? "") });
  // The template's own fields only: anything else in the form is not a parameter.
  const fields = TEMPLATE_KEYS.includes(template as TemplateKey) ? TEMPLATES[template as TemplateKey].fields : [];
  const params = Object.fromEntries(fields.map((field) => [field.name, String(form.get(field.name) ?? "")]));
  const input = { template, key: key || null, params };
  if (intent === "preview") {
    const valid = await validateNewRule(deps.db, shop, input);
    if (!valid.ok) return { intent, errors: valid.errors, preview: null };
    return { intent, errors: {} as FieldErrors, preview: await previewCohort(deps.db, shop, valid.params, deps.clock.now()) };
  }
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  const created = await createRule(deps, shop, { ...input, enabled: intent === "save-enable" }, actor);
  if (!created.ok) return { intent, errors: created.errors, preview: null };
  throw context.redirect(`/app/cohorts/${created.rule.id}`);
};

export default function NewCohort() {
  const { tiers, currency, timezone, tagPrefix } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: FieldErrors = result?.errors ?? {};
  const navigation = useNavigation();
  const submit = useSubmit();
  const busy = (intent: string) => navigation.state !== "idle" && navigation.formData?.get("intent") === intent;
  const [template, setTemplate] = useState<TemplateKey>("cart-abandoned-low-stock");
  const [key, setKey] = useState("");
  const [values, setValues] = useState(() => defaultParamValues("cart-abandoned-low-stock", tiers));
  const definition = TEMPLATES[template];
  const parsed = parseRuleParams(template, values, { currency, tiers });
  const placeholder = parsed.ok ? defaultRuleKey(parsed.params) : template;

  const send = (intent: "preview" | "save" | "save-enable") => {
    const data = new FormData();
    data.set("intent", intent);
    data.set("template", template);
    data.set("key", key);
    for (const [name, value] of Object.entries(values)) data.set(name, value);
    submit(data, { method: "post" });
  };

  return (
    <Page title="Create cohort" backAction={{ content: "Cohorts", url: "/app/cohorts" }}>
      <Layout>
        <Layout.Section>
          <Card>
            <form
              onSubmit={(event) => {
                event.preventDefault();
                send("preview");
              }}
            >
              <FormLayout>
                {Object.keys(errors).length > 0 && <Banner tone="critical">Some settings need fixing before the cohort can be previewed or saved.</Banner>}
                <Select
                  label="Template"
                  name="template"
                  options={TEMPLATE_KEYS.map((value) => ({ label: TEMPLATES[value].title, value }))}
                  value={template}
                  onChange={(value) => {
                    const next = value as TemplateKey;
                    setTemplate(next);
                    setValues(defaultParamValues(next, tiers));
                  }}
                  helpText={`${definition.description} ${definition.visitors ? "Anonymous storefront visitors can match too." : "Members only."}`}
                  error={errors.template}
                />
                <TextField
                  label="Key"
                  name="key"
                  value={key}
                  onChange={setKey}
                  placeholder={placeholder}
                  autoComplete="off"
                  helpText={`Members are tagged ${cohortTag(tagPrefix, key.trim() || placeholder)}. Lower-case letters, digits and hyphens; it cannot change later.`}
                  error={errors.key}
                />
                <CohortParamFields
                  template={template}
                  values={values}
                  onChange={(name, value) => setValues((current) => ({ ...current, [name]: value }))}
                  errors={errors}
                  tiers={tiers}
                  currency={currency}
                />
                <InlineStack gap="200">
                  <Button submit loading={busy("preview")}>
                    Preview
                  </Button>
                  <Button onClick={() => send("save")} loading={busy("save")}>
                    Save
                  </Button>
                  <Button variant="primary" onClick={() => send("save-enable")} loading={busy("save-enable")}>
                    Save and enable
                  </Button>
                </InlineStack>
                <Text as="p" tone="subdued">
                  Save keeps the cohort disabled: no one enters it until you enable it. Enabling evaluates it over your store at once and tags its members.
                </Text>
              </FormLayout>
            </form>
          </Card>
        </Layout.Section>
        {result?.preview && (
          <Layout.Section>
            <BlockStack gap="400">
              <PreviewCard preview={result.preview} timezone={timezone} />
            </BlockStack>
          </Layout.Section>
        )}
      </Layout>
    </Page>
  );
}
