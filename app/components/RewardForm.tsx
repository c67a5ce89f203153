import { Form, useNavigation } from "@remix-run/react";
import { Banner, Button, Card, FormLayout, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { RewardErrors } from "../services/rewards/catalogue.server";

/** A reward as the form edits it: amounts as decimal text of the shop's currency. */
export interface RewardFormValues {
  id?: string;
  type: string;
  name: string;
  pointsCost: string;
  value: string;
  minimumSubtotal: string;
}

/** parseReward's field errors (and "form" for the catalogue as a whole). */
export type RewardFormErrors = RewardErrors;

export const EMPTY_REWARD: RewardFormValues = { type: "fixed_amount", name: "", pointsCost: "", value: "", minimumSubtotal: "" };

/**
 * Adding a reward to the catalogue, or changing one: the type decides what the value is (an
 * amount in the shop's currency, a percent, nothing for free shipping) and whether a minimum
 * order applies (not to store credit). Errors are parseReward's, on their fields.
 */
export function RewardForm({
  initial,
  types,
  currency,
  errors,
  onCancel,
}: {
  initial: RewardFormValues;
  types: { value: string; label: string }[];
  currency: string;
  errors: RewardFormErrors;
  onCancel: () => void;
}) {
  const navigation = useNavigation();
  const intent = initial.id ? "update" : "create";
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const [type, setType] = useState(initial.type);
  const [name, setName] = useState(initial.name);
  const [pointsCost, setPointsCost] = useState(initial.pointsCost);
  const [value, setValue] = useState(initial.value);
  const [minimumSubtotal, setMinimumSubtotal] = useState(initial.minimumSubtotal);
  const money = type === "fixed_amount" || type === "store_credit";
  return (
    <Card>
      <Form method="post">
        <input type="hidden" name="intent" value={intent} />
        {initial.id && <input type="hidden" name="rewardId" value={initial.id} />}
        <FormLayout>
          <Text as="h2" variant="headingMd">
            {initial.id ? `Edit ${initial.name}` : "Add reward"}
          </Text>
          {errors.form && <Banner tone="critical">{errors.form}</Banner>}
          <Select label="Type" name="type" options={types} value={type} onChange={setType} error={errors.type} />
          <TextField
            label="Name"
            name="name"
            value={name}
            onChange={setName}
            autoComplete="off"
            helpText="What members see. Empty: the reward described, such as “$5.00 off”."
            error={errors.name}
          />
          <FormLayout.Group>
            <TextField
              label="Points cost"
              name="pointsCost"
              type="number"
              min={1}
              value={pointsCost}
              onChange={setPointsCost}
              autoComplete="off"
              suffix="points"
              error={errors.pointsCost}
            />
            {money && (
              <TextField
                label={type === "store_credit" ? `Credit (${currency})` : `Amount off (${currency})`}
                name="value"
                inputMode="decimal"
                value={value}
                onChange={setValue}
                autoComplete="off"
                prefix={currency}
                error={errors.value}
              />
            )}
            {type === "percentage" && (
              <TextField
                label="Percent off"
                name="value"
                type="number"
                min={1}
                max={100}
                value={value}
                onChange={setValue}
                autoComplete="off"
                suffix="%"
                helpText="A whole percentage from 1 to 100."
                error={errors.value}
              />
            )}
          </FormLayout.Group>
          {type !== "store_credit" && (
            <TextField
              label={`Minimum order subtotal (${currency})`}
              name="minimumSubtotal"
              inputMode="decimal"
              value={minimumSubtotal}
              onChange={setMinimumSubtotal}
              autoComplete="off"
              prefix={currency}
              helpText="Optional. The code works only on orders of at least this much."
              error={errors.minimumSubtotal}
            />
          )}
          <InlineStack gap="200">
            <Button submit variant="primary" loading={saving}>
              {initial.id ? "Save reward" : "Add reward"}
            </Button>
            <Button onClick={onCancel}>Cancel</Button>
          </InlineStack>
        </FormLayout>
      </Form>
    </Card>
  );
}
