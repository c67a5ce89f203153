import { FormLayout, Select, TextField } from "@shopify/polaris";
import { type FieldErrors, type TemplateKey, TEMPLATES } from "../services/cohorts/templates";

/** The form's values for a template: its defaults, or what a saved rule holds. */
export function defaultParamValues(template: TemplateKey, tiers: readonly string[]): Record<string, string> {
  return Object.fromEntries(TEMPLATES[template].fields.map((field) => [field.name, field.kind === "tier" ? (tiers[0] ?? "") : (field.defaultValue ?? "")]));
}

/**
 * A template's parameter fields, named as the services read them: whole numbers, an amount in
 * the shop's currency, or one of the program's tiers; each with its field error inline.
 */
export function CohortParamFields({
  template,
  values,
  onChange,
  errors,
  tiers,
  currency,
}: {
  template: TemplateKey;
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
  errors: FieldErrors;
  tiers: readonly string[];
  currency: string;
}) {
  return (
    <FormLayout.Group>
      {TEMPLATES[template].fields.map((field) =>
        field.kind === "tier" ? (
          <Select
            key={field.name}
            label={field.label}
            name={field.name}
            options={tiers.map((tier) => ({ label: tier, value: tier }))}
            value={values[field.name] ?? ""}
            onChange={(value) => onChange(field.name, value)}
            helpText={field.help}
            error={errors[field.name]}
          />
        ) : (
          <TextField
            key={field.name}
            label={field.label}
            name={field.name}
            value={values[field.name] ?? ""}
            onChange={(value) => onChange(field.name, value)}
            autoComplete="off"
            inputMode={field.kind === "money" ? "decimal" : "numeric"}
            suffix={field.kind === "money" ? currency : undefined}
            helpText={field.help}
            error={errors[field.name]}
          />
        ),
      )}
    </FormLayout.Group>
  );
}
