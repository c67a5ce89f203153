import type { CohortRule } from "@prisma/client";
import { isTemplateKey, type RuleParams, TEMPLATES } from "./templates";

/**
 * A stored rule's parameters (validated when saved), or null when the row cannot be read — a
 * template this version does not know, or damaged JSON: such a rule matches no one.
 */
export function storedParams(rule: Pick<CohortRule, "template" | "params">): RuleParams | null {
  if (!isTemplateKey(rule.template)) return null;
  let value: unknown;
  try {
    value = JSON.parse(rule.params);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const fields = TEMPLATES[rule.template].fields;
  const params: Record<string, unknown> = { template: rule.template };
  for (const field of fields) {
    const given = (value as Record<string, unknown>)[field.name];
    if (field.kind === "tier" ? typeof given !== "string" : !Number.isSafeInteger(given)) return null;
    params[field.name] = given;
  }
  return params as RuleParams;
}

/** What is stored for a rule's parameters: the values without the template name. */
export function paramsJson(params: RuleParams): string {
  const { template: _template, ...values } = params;
  return JSON.stringify(values);
}
