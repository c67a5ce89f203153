import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, Button, Card, EmptyState, IndexTable, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { NotFoundBoundary } from "../components/NotFoundBoundary";
import { EMPTY_REWARD, RewardForm, type RewardFormErrors, type RewardFormValues } from "../components/RewardForm";
import { currencyExponent, formatMinorUnits } from "../lib/money";
import { appDeps } from "../runtime.server";
import { staffActor } from "../services/members/actor";
import {
  createReward,
  describeReward,
  formatMoney,
  listRewards,
  MAX_REWARDS_PER_SHOP,
  parseReward,
  REWARD_TYPE_LABELS,
  REWARD_TYPES,
  type RewardType,
  updateReward,
} from "../services/rewards/catalogue.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  const currency = shop?.currency ?? "USD";
  const exponent = currencyExponent(currency);
  const rewards = shop ? await listRewards(db, shop.id) : [];
  const amount = (minor: number | null) => (minor === null ? "" : formatMinorUnits(minor, exponent));
  return {
    currency,
    types: REWARD_TYPES.map((type) => ({ value: type, label: REWARD_TYPE_LABELS[type] })),
    full: rewards.length >= MAX_REWARDS_PER_SHOP,
    rewards: rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      type: REWARD_TYPE_LABELS[reward.type as RewardType] ?? reward.type,
      gives: describeReward({ ...reward, minimumSubtotal: null }, currency),
      pointsCost: reward.pointsCost,
      minimum: reward.minimumSubtotal === null ? null : formatMoney(reward.minimumSubtotal, currency),
      enabled: reward.enabled,
      // As the form edits it.
      form: {
        id: reward.id,
        type: reward.type,
        name: reward.name,
        pointsCost: String(reward.pointsCost),
        value: reward.type === "percentage" ? String(reward.value ?? "") : amount(reward.value),
        minimumSubtotal: amount(reward.minimumSubtotal),
      } satisfies RewardFormValues,
    })),
  };
};

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, context.session.shop);
  if (!shop) throw new Response("Shop not found", { status: 404 });
  const form = await request.formData();
  const actor = staffActor(context.session, "sessionToken" in context ? context.sessionToken : null);
  const intent = text(form, "intent");
  const rewardId = text(form, "rewardId");

  if (intent === "enable" || intent === "disable") {
    const reward = await updateReward(db, shop, rewardId, { enabled: intent === "enable" }, actor);
    if (!reward) throw new Response("Reward not found", { status: 404 });
    return { ok: true as const, intent, message: `${reward.name} is ${reward.enabled ? "enabled: members can redeem it" : "disabled: members can no longer redeem it"}.` };
  }

  if (intent !== "create" && intent !== "update") throw new Response("Unknown form", { status: 400 });
  const parsed = parseReward(
    { type: text(form, "type"), name: text(form, "name"), pointsCost: text(form, "pointsCost"), value: text(form, "value"), minimumSubtotal: text(form, "minimumSubtotal") },
    shop.currency,
  );
  if (!parsed.ok) return { ok: false as const, intent, rewardId, errors: parsed.errors };
  if (intent === "create") {
    try {
      const reward = await createReward(db, shop, parsed.value, actor);
      return { ok: true as const, intent, message: `${reward.name} added to the rewards: ${reward.pointsCost.toLocaleString("en-US")} points.` };
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return { ok: false as const, intent, rewardId, errors: { form: `The catalogue holds at most ${MAX_REWARDS_PER_SHOP} rewards: disable or change one instead.` } as RewardFormErrors };
    }
  }
  // An edit keeps the reward's enabled state: the Enable / Disable buttons change that.
  const { enabled: _enabled, ...values } = parsed.value;
  const reward = await updateReward(db, shop, rewardId, values, actor);
  if (!reward) throw new Response("Reward not found", { status: 404 });
  return { ok: true as const, intent, message: `${reward.name} saved. Codes already issued keep their terms.` };
};

type Loaded = ReturnType<typeof useLoaderData<typeof loader>>;

export default function Rewards() {
  const { rewards, types, currency, full } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  // The form open: a new reward, or the reward being edited (by id).
  const [editing, setEditing] = useState<string | null>(null);
  useEffect(() => {
    if (result?.ok) setEditing(null);
    else if (result && !result.ok) setEditing(result.intent === "update" ? result.rewardId : "new");
  }, [result]);
  const errors: RewardFormErrors = result && !result.ok ? result.errors : {};
  const busy = (intent: string, id: string) => navigation.state !== "idle" && navigation.formData?.get("intent") === intent && navigation.formData?.get("rewardId") === id;
  const edited = editing && editing !== "new" ? rewards.find((reward) => reward.id === editing) : undefined;
  const form = editing ? (
    <RewardForm
      // A fresh form for each reward opened (and after a save), so its fields start from it.
      key={editing}
      initial={edited?.form ?? EMPTY_REWARD}
      types={types}
      currency={currency}
      errors={errors}
      onCancel={() => setEditing(null)}
    />
  ) : null;

  return (
    <Page
      title="Rewards"
      subtitle="What members can spend their points on: each redemption becomes a single-use code for that customer, or store credit"
      primaryAction={rewards.length > 0 ? { content: "Add reward", disabled: full || editing === "new", onAction: () => setEditing("new") } : undefined}
    >
      <Layout>
        {result?.ok && (
          <Layout.Section>
            <Banner tone="success">{result.message}</Banner>
          </Layout.Section>
        )}
        {form && <Layout.Section>{form}</Layout.Section>}
        <Layout.Section>
          {rewards.length === 0 ? (
            editing ? null : (
              <Card>
                <EmptyState heading="No rewards yet" image="" action={{ content: "Add reward", onAction: () => setEditing("new") }}>
                  <p>
                    Rewards are what members spend their points on: an amount or a percentage off, free shipping, or store credit. When a
                    member redeems one, Roost takes the points and gives their Shopify customer a single-use discount code (or the credit).
                  </p>
                </EmptyState>
              </Card>
            )
          ) : (
            <RewardTable rewards={rewards} busy={busy} onEdit={setEditing} />
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function RewardTable({ rewards, busy, onEdit }: { rewards: Loaded["rewards"]; busy: (intent: string, id: string) => boolean; onEdit: (id: string) => void }) {
  return (
    <Card padding="0">
      <IndexTable
        resourceName={{ singular: "reward", plural: "rewards" }}
        itemCount={rewards.length}
        selectable={false}
        headings={[{ title: "Reward" }, { title: "Type" }, { title: "Gives" }, { title: "Points cost", alignment: "end" }, { title: "Minimum order" }, { title: "Status" }, { title: "" }]}
      >
        {rewards.map((reward, index) => (
          <IndexTable.Row id={reward.id} key={reward.id} position={index}>
            <IndexTable.Cell>
              <Text as="span" fontWeight="semibold">
                {reward.name}
              </Text>
            </IndexTable.Cell>
            <IndexTable.Cell>{reward.type}</IndexTable.Cell>
            <IndexTable.Cell>{reward.gives}</IndexTable.Cell>
            <IndexTable.Cell>
              <Text as="span" alignment="end" numeric>
                {reward.pointsCost.toLocaleString("en-US")}
              </Text>
            </IndexTable.Cell>
            <IndexTable.Cell>{reward.minimum ?? "None"}</IndexTable.Cell>
            <IndexTable.Cell>
              <Badge tone={reward.enabled ? "success" : undefined}>{reward.enabled ? "Enabled" : "Disabled"}</Badge>
            </IndexTable.Cell>
            <IndexTable.Cell>
              <InlineStack gap="200" align="end" wrap={false}>
                <Button variant="plain" onClick={() => onEdit(reward.id)} accessibilityLabel={`Edit ${reward.name}`}>
                  Edit
                </Button>
                <Form method="post">
                  <input type="hidden" name="rewardId" value={reward.id} />
                  <input type="hidden" name="intent" value={reward.enabled ? "disable" : "enable"} />
                  <Button
                    variant="plain"
                    submit
                    tone={reward.enabled ? "critical" : undefined}
                    loading={busy(reward.enabled ? "disable" : "enable", reward.id)}
                    accessibilityLabel={`${reward.enabled ? "Disable" : "Enable"} ${reward.name}`}
                  >
                    {reward.enabled ? "Disable" : "Enable"}
                  </Button>
                </Form>
              </InlineStack>
            </IndexTable.Cell>
          </IndexTable.Row>
        ))}
      </IndexTable>
    </Card>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary title="Reward not found" back={{ content: "Rewards", url: "/app/rewards" }} message="This store has no such reward." />;
}
