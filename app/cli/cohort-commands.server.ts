import type { CohortRule, Shop } from "@prisma/client";
import { parseShopSettings } from "../services/program/settings";
import { cohortMembers } from "../services/cohorts/members.server";
import { sweepCohorts } from "../services/cohorts/queue.server";
import { excludeMember, includeMember } from "../services/cohorts/exclusions.server";
import { createRule, getRuleByKey, listRules, renameRule, setRuleEnabled } from "../services/cohorts/rules.server";
import { normaliseEmail } from "../services/identity/email";
import { storedParams } from "../services/cohorts/rules-store";
import { cohortTag, TEMPLATE_KEYS } from "../services/cohorts/templates";
import { whySentences, type WhyLabels } from "../services/cohorts/why";
import { CliError, type Command, type CommandContext, resolveShop, table } from "./command.server";

export const COHORTS_USAGE = `  cohorts:create <template>    a cohort rule from a template (docs/cohorts.md): one of
       [--key K] [--enable]    ${TEMPLATE_KEYS.slice(0, 3).join(", ")},
       [--set name=value …]    ${TEMPLATE_KEYS.slice(3).join(", ")};
                               parameters as the admin form takes them (money as a decimal),
                               --enable evaluates it over the shop at once
  cohorts:list                 the shop's cohorts: key, tag, template, state, members and visitors
  cohorts:members <key>        who is in a cohort (customer GIDs, visitors' clientIds), each with
       [--limit N]             the facts that put them there (the newest N entries, default 50)
  cohorts:sweep [--now ISO]    evaluate every enabled cohort over all shoppers now (or as of the
                               ISO time given), as the server's sweep does (all shops unless --shop)
  cohorts:enable <key>         enable a cohort (evaluated at once)
  cohorts:disable <key>        disable a cohort: everyone leaves it and their tags are removed
  cohorts:rename <key> <new>   a new key, so a new tag: it moves on every member's customer
  cohorts:exclude <key>        take a member out of a cohort and keep them out (the tag is
       --email E               removed); cohorts:include <key> --email E lets them back in`;

/** Who the audit log names for a change made from the CLI. */
const ACTOR = "system:roost-cli";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

async function shopRow(db: CommandContext["db"], shop: string | undefined): Promise<Shop> {
  return db.shop.findUniqueOrThrow({ where: { domain: await resolveShop(db, shop) } });
}

/** Members and visitors per rule, counted from the memberships held now. */
async function sizes(db: CommandContext["db"], shopId: string): Promise<Map<string, { members: number; visitors: number }>> {
  const [members, visitors] = await Promise.all([
    db.cohortMembership.groupBy({ by: ["ruleId"], where: { shopId, memberId: { not: null } }, _count: { _all: true } }),
    db.cohortMembership.groupBy({ by: ["ruleId"], where: { shopId, memberId: null }, _count: { _all: true } }),
  ]);
  const counts = new Map<string, { members: number; visitors: number }>();
  const entry = (ruleId: string) => counts.get(ruleId) ?? counts.set(ruleId, { members: 0, visitors: 0 }).get(ruleId)!;
  for (const row of members) entry(row.ruleId).members = row._count._all;
  for (const row of visitors) entry(row.ruleId).visitors = row._count._all;
  return counts;
}

/** A rule as the CLI prints it; params as stored (money in minor units of the shop's currency). */
function ruleJson(rule: CohortRule, shop: Shop) {
  return {
    id: rule.id,
    key: rule.key,
    tag: cohortTag(parseShopSettings(shop.settings).cohortTagPrefix, rule.key),
    template: rule.template,
    params: JSON.parse(rule.params) as Record<string, unknown>,
    enabled: rule.enabled,
    size: rule.size,
  };
}

const paramsText = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(" ");

/** `--set name=value`, repeated, as the form's fields (text). */
function parseSets(sets: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const set of sets) {
    const at = set.indexOf("=");
    const name = at < 0 ? "" : set.slice(0, at).trim();
    if (!name) throw new CliError(`--set takes name=value, such as --set hours=24 (got "${set}")`);
    if (name in params) throw new CliError(`--set ${name} is given twice`);
    params[name] = set.slice(at + 1);
  }
  return params;
}

/** How a field error's name reads to someone at the command line. */
function fieldLabel(field: string): string {
  if (field === "template") return "<template>";
  if (field === "key") return "--key";
  return `--set ${field}`;
}

async function ruleOrFail(db: CommandContext["db"], shop: Shop, key: string | undefined, command: string): Promise<CohortRule> {
  if (!key) throw new CliError(`${command} needs a cohort key (cohorts:list shows them)`);
  const rule = await getRuleByKey(db, shop.id, key);
  if (!rule) throw new CliError(`unknown cohort "${key}" in ${shop.domain} (cohorts:list shows the keys)`);
  return rule;
}

/** Variant and order names from the mirror for the why sentences; ids it does not know stay ids. */
async function whyLabels(db: CommandContext["db"], shop: Shop, rows: readonly { variantGid: string | null; orderGid: string | null }[]): Promise<WhyLabels> {
  const variantGids = [...new Set(rows.flatMap((row) => (row.variantGid ? [row.variantGid] : [])))];
  const orderGids = [...new Set(rows.flatMap((row) => (row.orderGid ? [row.orderGid] : [])))];
  const [variants, orders] = await Promise.all([
    variantGids.length ? db.variant.findMany({ where: { shopId: shop.id, gid: { in: variantGids } }, select: { gid: true, title: true, productGid: true } }) : [],
    orderGids.length ? db.order.findMany({ where: { shopId: shop.id, gid: { in: orderGids } }, select: { gid: true, name: true } }) : [],
  ]);
  const productGids = [...new Set(variants.map((variant) => variant.productGid))];
  const products = productGids.length ? await db.product.findMany({ where: { shopId: shop.id, gid: { in: productGids } }, select: { gid: true, title: true } }) : [];
  const productTitles = new Map(products.map((product) => [product.gid, product.title]));
  const variantNames = new Map(
    variants.flatMap((variant) => {
      const product = productTitles.get(variant.productGid);
      if (!product) return [];
      // Shopify names a product's only variant "Default Title".
      return [[variant.gid, variant.title && variant.title !== "Default Title" ? `${product} — ${variant.title}` : product] as const];
    }),
  );
  const orderNames = new Map(orders.flatMap((order) => (order.name ? [[order.gid, order.name] as const] : [])));
  return { currency: shop.currency, variant: (gid) => variantNames.get(gid), order: (gid) => orderNames.get(gid) };
}

function enableCommand(enabled: boolean): Command {
  const command = enabled ? "cohorts:enable" : "cohorts:disable";
  return async ({ db, clock, args, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const rule = await ruleOrFail(db, shop, args[0], command);
    const wasEnabled = rule.enabled;
    const result = await setRuleEnabled({ db, clock }, shop, rule.id, enabled, ACTOR);
    if (!result.ok) throw new CliError(Object.values(result.errors).join("; "));
    const json = { shop: shop.domain, changed: wasEnabled !== enabled, cohort: ruleJson(result.rule, shop) };
    const state = enabled ? "enabled" : "disabled";
    const text = !json.changed
      ? `${json.cohort.key} is ${state} already.`
      : enabled
        ? `Enabled ${json.cohort.key} (tag ${json.cohort.tag}), evaluated at once: ${json.cohort.size} in it now.`
        : `Disabled ${json.cohort.key}: everyone left it; removing the tag ${json.cohort.tag} from its customers is queued.`;
    return { json, text };
  };
}

function exclusionCommand(exclude: boolean): Command {
  const command = exclude ? "cohorts:exclude" : "cohorts:include";
  return async ({ db, clock, args, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const rule = await ruleOrFail(db, shop, args[0], command);
    const email = normaliseEmail(flags.email);
    if (!email) throw new CliError(`${command} needs --email <address> of the member`);
    const member = await db.member.findFirst({ where: { shopId: shop.id, email, redactedAt: null }, select: { id: true, customerGid: true } });
    if (!member) throw new CliError(`No member with email ${email} in ${shop.domain}`);
    const result = await (exclude ? excludeMember : includeMember)({ db, clock }, shop, rule.id, member.id, ACTOR);
    if (!result.ok) throw new CliError(result.error);
    const inCohort = (await db.cohortMembership.count({ where: { ruleId: rule.id, memberId: member.id } })) > 0;
    const cohort = ruleJson(rule, shop);
    const json = { shop: shop.domain, cohort: cohort.key, tag: cohort.tag, email, customerGid: member.customerGid, excluded: exclude, changed: result.changed, inCohort };
    const text = !result.changed
      ? `${email} is ${exclude ? "excluded from" : "not excluded from"} ${cohort.key} already.`
      : exclude
        ? `Excluded ${email} from ${cohort.key}: they left it and the tag ${cohort.tag} is being removed; they stay out until cohorts:include.`
        : `${email} may enter ${cohort.key} again: ${inCohort ? `in it now, the tag ${cohort.tag} is being written` : "not matching it now"}.`;
    return { json, text };
  };
}

export const cohortCommands: Record<string, Command> = {
  "cohorts:create": async ({ db, clock, args, flags }) => {
    const { key, set = [], enable = false } = flags;
    const template = args[0];
    if (!template) throw new CliError(`cohorts:create needs a template: ${TEMPLATE_KEYS.join(", ")}`);
    const shop = await shopRow(db, flags.shop);
    const result = await createRule({ db, clock }, shop, { template, key: key ?? null, params: parseSets(set), enabled: enable }, ACTOR);
    if (!result.ok) {
      const lines = Object.entries(result.errors).map(([field, message]) => `  ${fieldLabel(field)}: ${message}`);
      throw new CliError(["the cohort was not created:", ...lines].join("\n"));
    }
    const cohort = ruleJson(result.rule, shop);
    const text = [
      `Created ${cohort.key} (${cohort.template}, tag ${cohort.tag}): ${paramsText(cohort.params)}`,
      cohort.enabled ? `Enabled and evaluated at once: ${cohort.size} in it now.` : `Disabled: cohorts:enable ${cohort.key} starts it.`,
    ].join("\n");
    return { json: cohort, text };
  },

  "cohorts:list": async ({ db, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const [rules, counts] = await Promise.all([listRules(db, shop.id), sizes(db, shop.id)]);
    const cohorts = rules.map((rule) => {
      const { members, visitors } = counts.get(rule.id) ?? { members: 0, visitors: 0 };
      return { ...ruleJson(rule, shop), size: members + visitors, members, visitors, lastEvaluatedAt: rule.lastEvaluatedAt?.toISOString() ?? null };
    });
    const text = table(
      ["KEY", "TAG", "TEMPLATE", "ENABLED", "MEMBERS", "VISITORS", "LAST EVALUATED", "PARAMS"],
      cohorts.map((cohort) => [
        cohort.key,
        cohort.tag,
        cohort.template,
        cohort.enabled ? "yes" : "no",
        String(cohort.members),
        String(cohort.visitors),
        cohort.lastEvaluatedAt ?? "never",
        paramsText(cohort.params),
      ]),
    );
    return { json: { shop: shop.domain, cohorts }, text };
  },

  "cohorts:members": async ({ db, args, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const rule = await ruleOrFail(db, shop, args[0], "cohorts:members");
    const limit = flags.limit === undefined ? 50 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError("--limit must be a whole number from 1 to 1000");
    const params = storedParams(rule);
    const rows = await cohortMembers(db, shop.id, rule.id, { limit });
    const labels = await whyLabels(db, shop, rows);
    const members = rows.map((row) => {
      const facts = { enteredAt: row.enteredAt, eventId: row.eventId, eventAt: row.eventAt, variantGid: row.variantGid, stock: row.stock, orderGid: row.orderGid, value: row.value };
      return {
        kind: row.kind,
        customerGid: row.customerGid,
        memberId: row.memberId,
        email: row.email,
        clientId: row.clientId,
        enteredAt: row.enteredAt.toISOString(),
        facts: {
          eventId: row.eventId,
          eventAt: row.eventAt?.toISOString() ?? null,
          variantGid: row.variantGid,
          stock: row.stock,
          orderGid: row.orderGid,
          value: row.value,
        },
        // A rule whose stored parameters this version cannot read matches no one; no sentences.
        why: params ? whySentences(params, facts, labels) : [],
      };
    });
    const cohort = ruleJson(rule, shop);
    const text = [
      `${cohort.key} (${cohort.template}, tag ${cohort.tag}, ${cohort.enabled ? "enabled" : "disabled"}): ${cohort.size} in it${members.length < cohort.size ? `, the newest ${members.length} shown` : ""}`,
      "",
      table(
        ["KIND", "SHOPPER", "ENTERED", "WHY"],
        members.map((member) => [
          member.kind,
          member.kind === "member" ? (member.customerGid ?? `member ${member.memberId}`) + (member.email ? ` (${member.email})` : "") : (member.clientId ?? ""),
          member.enteredAt,
          member.why.join(" "),
        ]),
      ),
    ].join("\n");
    return { json: { shop: shop.domain, cohort, members }, text };
  },

  "cohorts:sweep": async ({ db, clock, flags }) => {
    const { now: nowFlag } = flags;
    let now = clock.now();
    if (nowFlag !== undefined) {
      now = new Date(nowFlag);
      if (!ISO_TIME.test(nowFlag) || Number.isNaN(now.getTime())) throw new CliError(`--now must be an ISO 8601 time with its offset, such as 2026-12-05T12:00:00Z (got "${nowFlag}")`);
    }
    const domain = flags.shop ? await resolveShop(db, flags.shop) : null;
    const only = domain ? await db.shop.findUniqueOrThrow({ where: { domain }, select: { id: true } }) : null;
    const fixed = { now: () => now };
    const results = await sweepCohorts({ db, clock: fixed }, { now, ...(only ? { shopId: only.id } : {}) });
    const domains = new Map((await db.shop.findMany({ where: { id: { in: [...results.keys()] } }, select: { id: true, domain: true } })).map((shop) => [shop.id, shop.domain]));
    const shops = [...results].map(([shopId, summary]) => ({
      shop: domains.get(shopId) ?? shopId,
      entered: summary.entered,
      exited: summary.exited,
      rules: summary.rules.map((rule) => ({ key: rule.key, entered: rule.entered, exited: rule.exited })),
    }));
    const rows = shops.flatMap((shop) => shop.rules.map((rule) => [shop.shop, rule.key, String(rule.entered), String(rule.exited)]));
    const text = [
      `Swept ${domain ?? "all shops"} as of ${now.toISOString()}: ${shops.length} shop(s) with an enabled cohort.`,
      "",
      table(["SHOP", "COHORT", "ENTERED", "EXITED"], rows),
    ].join("\n");
    return { json: { now: now.toISOString(), shop: domain, shops }, text };
  },

  "cohorts:rename": async ({ db, clock, args, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const rule = await ruleOrFail(db, shop, args[0], "cohorts:rename");
    if (!args[1]) throw new CliError("cohorts:rename needs the new key: cohorts:rename <key> <new-key>");
    const result = await renameRule({ db, clock }, shop, rule.id, args[1], ACTOR);
    if (!result.ok) throw new CliError(`the cohort was not renamed: ${Object.values(result.errors).join("; ")}`);
    const from = ruleJson(rule, shop);
    const cohort = ruleJson(result.rule, shop);
    const text = from.key === cohort.key ? `${cohort.key} has that key already.` : `Renamed ${from.key} to ${cohort.key}: the tag ${from.tag} becomes ${cohort.tag} on its members' customers (queued).`;
    return { json: { shop: shop.domain, from: from.key, cohort }, text };
  },
  "cohorts:exclude": exclusionCommand(true),
  "cohorts:include": exclusionCommand(false),
  "cohorts:enable": enableCommand(true),
  "cohorts:disable": enableCommand(false),
};
