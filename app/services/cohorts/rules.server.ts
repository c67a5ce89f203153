import type { CohortRule } from "@prisma/client";
import type { Database, Tx } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { recordAudit } from "../audit.server";
import { parseShopSettings } from "../program/settings";
import { forgetShop } from "../shops/shops.server";
import { type CohortShop, evaluateCohorts, exitEveryone } from "./evaluate.server";
import { queueTagSync } from "../tags/sync.server";
import { paramsJson } from "./rules-store";
import { cohortTag, defaultRuleKey, type FieldErrors, isTemplateKey, type ParamContext, parseRuleParams, type RuleParams, ruleKeyError, TEMPLATE_KEYS } from "./templates";

// A shop's cohort rules: created from a template, edited, enabled, disabled and deleted from the
// admin and the CLI, each change audited. Enabling (or editing an enabled rule) evaluates it over
// the shop at once; disabling or deleting takes everyone out, each exit a transition like any other.

export interface RuleDeps {
  db: Database;
  clock: Clock;
}

/** The shop as rules read it: settings (tag prefix, tiers) and currency. */
export interface RuleShop extends CohortShop {
  domain: string;
  currency: string;
}

export type RuleResult = { ok: true; rule: CohortRule } | { ok: false; errors: FieldErrors };

export interface NewRuleInput {
  template: string;
  /** Defaults to the template's key (tier rules: `tier-<name>`). */
  key?: string | null;
  /** The template's parameters as text (form fields, `--set name=value`) or numbers. */
  params: Record<string, unknown>;
  enabled?: boolean;
}

export function paramContext(shop: RuleShop): ParamContext {
  const settings = parseShopSettings(shop.settings);
  return { currency: shop.currency, tiers: settings.program.tiers.map((tier) => tier.name) };
}

/** Validates a new rule without saving it: the form's preview and the CLI use the same checks. */
export async function validateNewRule(db: Database, shop: RuleShop, input: NewRuleInput): Promise<{ ok: true; key: string; params: RuleParams } | { ok: false; errors: FieldErrors }> {
  if (!isTemplateKey(input.template)) return { ok: false, errors: { template: `Choose a template: ${TEMPLATE_KEYS.join(", ")}` } };
  const parsed = parseRuleParams(input.template, input.params, paramContext(shop));
  const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
  const key = (input.key ?? "").trim() || (parsed.ok ? defaultRuleKey(parsed.params) : input.template);
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const keyError = ruleKeyError(key, prefix);
  if (keyError) errors.key = keyError;
  else if (await db.cohortRule.findUnique({ where: { shopId_key: { shopId: shop.id, key } }, select: { id: true } })) errors.key = `A cohort with the key "${key}" exists already: choose another key`;
  if (!parsed.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, key, params: parsed.params };
}

export async function createRule(deps: RuleDeps, shop: RuleShop, input: NewRuleInput, actor: string): Promise<RuleResult> {
  const valid = await validateNewRule(deps.db, shop, input);
  if (!valid.ok) return valid;
  const now = deps.clock.now();
  const rule = await deps.db.$transaction(async (tx) => {
    const created = await tx.cohortRule.create({ data: { shopId: shop.id, key: valid.key, template: valid.params.template, params: paramsJson(valid.params), enabled: false } });
    await recordAudit(tx, { shopId: shop.id, actor, action: "cohort.created", details: { key: created.key, template: created.template, params: JSON.parse(created.params) }, at: now });
    return created;
  });
  if (input.enabled) return setRuleEnabled(deps, shop, rule.id, true, actor);
  return { ok: true, rule };
}

/** New parameters for a rule (its template stays; the key changes only by renameRule, which moves the tags). */
export async function updateRule(deps: RuleDeps, shop: RuleShop, ruleId: string, raw: Record<string, unknown>, actor: string): Promise<RuleResult> {
  const rule = await getRule(deps.db, shop.id, ruleId);
  if (!rule || !isTemplateKey(rule.template)) return { ok: false, errors: { rule: "That cohort no longer exists" } };
  const parsed = parseRuleParams(rule.template, raw, paramContext(shop));
  if (!parsed.ok) return parsed;
  const now = deps.clock.now();
  const updated = await deps.db.$transaction(async (tx) => {
    const saved = await tx.cohortRule.update({ where: { id: rule.id }, data: { params: paramsJson(parsed.params) } });
    await recordAudit(tx, { shopId: shop.id, actor, action: "cohort.updated", details: { key: rule.key, from: JSON.parse(rule.params), to: JSON.parse(saved.params) }, at: now });
    return saved;
  });
  if (updated.enabled) await evaluateCohorts(deps, shop, { rules: [updated], now });
  return { ok: true, rule: (await getRule(deps.db, shop.id, rule.id)) ?? updated };
}

/**
 * A new key for a rule, so a new tag (`<prefix><key>`): its members keep their memberships and
 * history, and their customers' tags move (the old one removed, the new one added) through a
 * tag sync queued in the same transaction. Other apps matching the old tag must be told: the
 * admin says so before saving.
 */
export async function renameRule(deps: RuleDeps, shop: RuleShop, ruleId: string, input: string, actor: string): Promise<RuleResult> {
  const rule = await getRule(deps.db, shop.id, ruleId);
  if (!rule) return { ok: false, errors: { rule: "That cohort no longer exists" } };
  const key = input.trim();
  if (key === rule.key) return { ok: true, rule };
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const keyError = ruleKeyError(key, prefix);
  if (keyError) return { ok: false, errors: { key: keyError } };
  if (await getRuleByKey(deps.db, shop.id, key)) return { ok: false, errors: { key: `A cohort with the key "${key}" exists already: choose another key` } };
  const now = deps.clock.now();
  const renamed = await deps.db.$transaction(async (tx) => {
    const saved = await tx.cohortRule.update({ where: { id: rule.id }, data: { key } });
    // Whoever carries the old tag or is owed the new one: the rule's members' customers and the
    // customers Roost wrote the old tag to.
    const [members, tagged] = await Promise.all([
      tx.$queryRaw<{ customerGid: string }[]>`
        SELECT m."customerGid" AS "customerGid" FROM "CohortMembership" c JOIN "Member" m ON m."id" = c."memberId"
        WHERE c."ruleId" = ${rule.id} AND m."customerGid" IS NOT NULL`,
      tx.customerTag.findMany({ where: { shopId: shop.id, tag: cohortTag(prefix, rule.key) }, select: { customerGid: true } }),
    ]);
    await queueTagSync(tx, shop.id, now, [...members, ...tagged].map((row) => row.customerGid));
    await recordAudit(tx, { shopId: shop.id, actor, action: "cohort.renamed", details: { from: rule.key, to: key }, at: now });
    return saved;
  });
  return { ok: true, rule: renamed };
}

/**
 * Enabled: the rule is evaluated over the whole shop now, so its members are there when the
 * page reloads. Disabled: everyone leaves (tags removed); the rule and its history stay.
 */
export async function setRuleEnabled(deps: RuleDeps, shop: RuleShop, ruleId: string, enabled: boolean, actor: string): Promise<RuleResult> {
  const rule = await getRule(deps.db, shop.id, ruleId);
  if (!rule) return { ok: false, errors: { rule: "That cohort no longer exists" } };
  if (rule.enabled === enabled) return { ok: true, rule };
  const now = deps.clock.now();
  const saved = await deps.db.$transaction(async (tx) => {
    const updated = await tx.cohortRule.update({ where: { id: rule.id }, data: { enabled } });
    if (!enabled) await exitEveryone(tx, shop, updated, "rule-disabled", now);
    await countEnabledRules(tx, shop.id);
    await recordAudit(tx, { shopId: shop.id, actor, action: enabled ? "cohort.enabled" : "cohort.disabled", details: { key: rule.key }, at: now });
    return updated;
  });
  // This process's signals read the new count at once (other processes' cached rows within a second).
  forgetShop(shop.domain);
  if (enabled) await evaluateCohorts(deps, shop, { rules: [saved], now });
  return { ok: true, rule: (await getRule(deps.db, shop.id, rule.id)) ?? saved };
}

/** Everyone leaves (tags removed), then the rule goes; its transitions stay as history. */
export async function deleteRule(deps: RuleDeps, shop: RuleShop, ruleId: string, actor: string): Promise<boolean> {
  const rule = await getRule(deps.db, shop.id, ruleId);
  if (!rule) return false;
  const now = deps.clock.now();
  await deps.db.$transaction(async (tx) => {
    await exitEveryone(tx, shop, rule, "rule-deleted", now);
    await tx.cohortMembership.deleteMany({ where: { ruleId: rule.id } });
    await tx.cohortExclusion.deleteMany({ where: { ruleId: rule.id } });
    await tx.cohortRule.delete({ where: { id: rule.id } });
    await countEnabledRules(tx, shop.id);
    await recordAudit(tx, { shopId: shop.id, actor, action: "cohort.deleted", details: { key: rule.key, template: rule.template }, at: now });
  });
  forgetShop(shop.domain);
  return true;
}

/** The shop row's count of enabled rules, which signals read to decide whether to queue cohort work. */
async function countEnabledRules(tx: Tx, shopId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Shop" SET "cohortRulesEnabled" = (SELECT COUNT(*) FROM "CohortRule" r WHERE r."shopId" = ${shopId} AND r."enabled" = true) WHERE "id" = ${shopId}`;
}

export function getRule(db: Database, shopId: string, ruleId: string): Promise<CohortRule | null> {
  return db.cohortRule.findFirst({ where: { id: ruleId, shopId } });
}

export function getRuleByKey(db: Database, shopId: string, key: string): Promise<CohortRule | null> {
  return db.cohortRule.findUnique({ where: { shopId_key: { shopId, key } } });
}

export function listRules(db: Database, shopId: string): Promise<CohortRule[]> {
  return db.cohortRule.findMany({ where: { shopId }, orderBy: { createdAt: "asc" } });
}

