// The bench's tag write-back scenario (`npm run bench -- --scenario tags`): the tag writer
// (app/services/tags/) against the fake Admin API in real time, a Standard store's bucket
// (2,000 points, 100 restored a second), in a process of its own on a fresh migrated SQLite file.
//   call path  --tag-ops customers' worth of tag mutations (a tagsRemove of roost-old and a
//              tagsAdd of roost-new per customer, so fewer than BULK_THRESHOLD customers and
//              the writer stays on calls), paced by the cost throttle. The bucket is emptied
//              just before the writer's first call, as if another app had spent it: the whole
//              run is at the restore rate, no burst to discount, and that first call (unpaced:
//              nothing seen yet) meets THROTTLED and must be retried. Theoretical rate = restore rate ÷ what the
//              fake charges a mutation (100 ÷ 10 = 10 ops/s).
//   bulk path  --tag-bulk customers each owed one tag (one tagsAdd op each): staged JSONL
//              upload and bulkOperationRunMutation. The fake runs an operation at once, so the
//              wall time is Roost's own share (staging, polls, settling); Shopify adds its queueing.
// Every op is checked settled: its job done, the CustomerTag row applied, the fake customer's
// tags exactly other apps' plus roost-new. docs/performance.md, "Tag write-back".
//   DATABASE_URL=file:… tsx scripts/bench/tags.ts --tag-ops 600 --tag-bulk 10000 --out result.json
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { AdminClientFactory } from "../../app/services/shopify/admin.server";
import type { FakeShopify } from "../../test/support/fake-shopify";
import { BrokenRun, fmt, log, roostEnv, runNode, table } from "./harness";

export const TAG_TARGETS = { ratio: 0.9, unretried: 0 };
/** Two mutations per customer on the call path, and the writer goes bulk from 500 customers. */
export const MAX_CALL_OPS = 998;

/** Where an op stands after the run: lost (not applied) or doubled (written more than once). */
interface Settled {
  jobs: Record<string, number>;
  applied: number;
  tagsMatch: number;
  lost: number;
  doubled: number;
}

export interface CallFigures extends Settled {
  customers: number;
  ops: number;
  wallMs: number;
  /** from the run's start to the first mutation's answer, and between the first and last answers */
  firstCallMs: number;
  callSpanMs: number;
  theoreticalOpsPerSecond: number;
  bucket: { maximumAvailable: number; restoreRate: number; mutationCost: number };
  throttled: number;
  unretried: number;
  points: number;
}

export interface BulkFigures extends Settled {
  customers: number;
  wallMs: number;
  operations: number;
  linesSent: number;
  calls: number;
  points: number;
  throttled: number;
  /** run start → first call (claimed, planned) → bulkOperationRunMutation answered → operation seen COMPLETED → run end */
  phases: { planMs: number; stageMs: number; operationMs: number; settleMs: number };
}

export interface TagsReport {
  call: CallFigures;
  bulk: BulkFigures | null;
}

export interface TagsConfig {
  tmpDir: string;
  ops: number;
  bulk: number;
}

export function runTags(config: TagsConfig): TagsReport {
  const file = path.join(config.tmpDir, "tags.sqlite");
  const env = roostEnv(0, `file:${file}`);
  runNode(["scripts/db/migrate.mjs"], env, "migration (tags)");
  const out = path.join(config.tmpDir, "tags.json");
  log(`tags: ${config.ops} tag mutations on the call path from an empty bucket (about ${Math.ceil(config.ops / 10)} s), then ${config.bulk} customers through the bulk path`);
  runNode(["--import", "tsx", "scripts/bench/tags.ts", "--tag-ops", String(config.ops), "--tag-bulk", String(config.bulk), "--out", out], env, "the tag write-back");
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as TagsReport;
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${file}${suffix}`, { force: true });
  return report;
}

/** An op lost or written twice: a bug, not a performance result (exit code 2). */
export const tagsFailed = (report: TagsReport): boolean =>
  report.call.lost + report.call.doubled + report.call.unretried > 0 || (report.bulk !== null && report.bulk.lost + report.bulk.doubled > 0);

const settledCell = (figures: Settled) =>
  figures.lost === 0 && figures.doubled === 0 ? "all" : `LOST ${figures.lost}, DOUBLED ${figures.doubled}`;
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

/** Prints the tag write-back tables and verdict; returns the verdict line. */
export function reportTags(report: TagsReport): string[] {
  const { call, bulk } = report;
  const seconds = call.wallMs / 1000;
  const rate = call.ops / seconds;
  const ratio = rate / call.theoreticalOpsPerSecond;
  console.log("");
  console.log(
    `TAG WRITE-BACK: fake Admin API in real time, bucket ${call.bucket.maximumAvailable} points restoring ${call.bucket.restoreRate}/s (emptied before the call path), ` +
      `${call.bucket.mutationCost} points a mutation → ${fmt(call.theoreticalOpsPerSecond, 1)} ops/s theoretical`,
  );
  console.log(
    table(
      ["call path", "customers", "ops applied", "wall s", "ops/s", "% of theoretical", "THROTTLED seen", "retried", "left unretried", "points", "jobs", "settled"],
      [
        [
          "tagsRemove + tagsAdd, paced",
          String(call.customers),
          String(call.ops),
          fmt(seconds, 1),
          fmt(rate, 2),
          `${fmt(ratio * 100, 1)} %`,
          String(call.throttled),
          String(call.throttled - call.unretried),
          String(call.unretried),
          String(call.points),
          Object.entries(call.jobs).map(([status, count]) => `${count} ${status}`).join(", "),
          settledCell(call),
        ],
      ],
    ),
  );
  console.log(
    `call path: first mutation answered ${fmt(call.firstCallMs, 0)} ms after the start; first to last answer ${fmt(call.callSpanMs / 1000, 1)} s ` +
      `(${fmt((call.ops - 1) / (call.callSpanMs / 1000), 2)} ops/s between them); ${call.applied} CustomerTag rows applied, ${call.tagsMatch} fake customers with exactly the wanted tags`,
  );
  if (bulk) {
    console.log("");
    console.log(
      table(
        ["bulk path", "customers", "ops", "wall s", "bulk operations", "lines sent", "calls", "points spent", "THROTTLED", "jobs", "settled"],
        [
          [
            "staged JSONL + bulkOperationRunMutation",
            String(bulk.customers),
            String(bulk.customers),
            fmt(bulk.wallMs / 1000, 1),
            String(bulk.operations),
            String(bulk.linesSent),
            String(bulk.calls),
            String(bulk.points),
            String(bulk.throttled),
            Object.entries(bulk.jobs).map(([status, count]) => `${count} ${status}`).join(", "),
            settledCell(bulk),
          ],
        ],
      ),
    );
    console.log(
      `bulk path: claiming and planning ${fmt(bulk.phases.planMs / 1000, 1)} s, staging and starting ${fmt(bulk.phases.stageMs / 1000, 1)} s, the operation (fake: instant) until seen COMPLETED ${fmt(bulk.phases.operationMs / 1000, 1)} s, ` +
        `result file and settling ${fmt(bulk.phases.settleMs / 1000, 1)} s; ${bulk.applied} CustomerTag rows applied, ${bulk.tagsMatch} fake customers with exactly the wanted tags`,
    );
  }
  const checks = [
    { ok: ratio >= TAG_TARGETS.ratio, text: `call path ${fmt(rate, 2)} ops/s = ${fmt(ratio * 100, 1)} % of theoretical (goal ≥ ${TAG_TARGETS.ratio * 100} %)` },
    { ok: call.unretried === TAG_TARGETS.unretried, text: `THROTTLED left unretried ${call.unretried} of ${call.throttled} seen (goal 0)` },
    { ok: call.lost + call.doubled === 0, text: `call path every op settled once (lost ${call.lost}, doubled ${call.doubled})` },
    ...(bulk
      ? [
          {
            ok: bulk.lost + bulk.doubled === 0,
            text: `bulk path ${bulk.customers.toLocaleString("en-US")} ops in ${fmt(bulk.wallMs / 1000, 1)} s, ${bulk.operations} operation(s), ${bulk.points} points, every op settled once (lost ${bulk.lost}, doubled ${bulk.doubled})`,
          },
        ]
      : []),
  ];
  console.log("");
  const line = `TAG VERDICT: ${checks.map((check) => `${verdict(check.ok)} — ${check.text}`).join("; ")}`;
  console.log(line);
  if (tagsFailed(report)) console.error("\n!!! THE TAG WRITER LOST OR DOUBLED OPS: not every op was applied exactly once. This is a bug.\n");
  return [line];
}

// ---------------------------------------------------------------------------------------
// The measurement, in its own process (the fake's network hook replaces undici's dispatcher)

const CALL_SHOP = "roost-bench-tags.myshopify.com";
const BULK_SHOP = "roost-bench-tags-bulk.myshopify.com";
const OTHER_APPS = ["vip"];
const CHUNK = 500;

interface Mark {
  operation: string;
  at: number;
  data: unknown;
}

async function measure(options: { ops: number; bulk: number; out: string }): Promise<void> {
  // Loaded here, not at the top: run.ts imports this file for runTags and reportTags only.
  const { createFakeShopify, DEFAULT_THROTTLE, installFakeShopifyNetwork } = await import("../../test/support/fake-shopify");
  const { MUTATION_COST } = await import("../../test/support/fake-shopify/cost");
  const { default: db } = await import("../../app/db.server");
  const { appScopes } = await import("../../app/config.server");
  const { systemClock } = await import("../../app/lib/clock");
  const { logger } = await import("../../app/lib/logger.server");
  const { TAGS_QUEUE } = await import("../../app/services/cohorts/outbox");
  const { createRule } = await import("../../app/services/cohorts/rules.server");
  const { adminClientFor } = await import("../../app/services/shopify/admin.server");
  const { markShopInstalled } = await import("../../app/services/shops/shops.server");
  const { writeTagsNow } = await import("../../app/services/tags/writer.server");

  const fake: FakeShopify = createFakeShopify();
  const network = installFakeShopifyNetwork(fake);
  const throttle = { maximumAvailable: DEFAULT_THROTTLE.maximumAvailable, restoreRate: DEFAULT_THROTTLE.restoreRate };

  /** The shop installed (Shop row, offline session, rule `new`) with `count` customers owed roost-new, and roost-old to remove when `withOld`. */
  async function seedShop(domain: string, count: number, withOld: boolean) {
    const accessToken = `shpat_bench_${domain.split(".")[0]}`;
    fake.store.registerShop(domain, { accessToken, name: "Roost Bench Store", timezone: "America/New_York", currency: "USD", throttle });
    const shop = await markShopInstalled(db, { domain, scopes: appScopes.join(","), name: "Roost Bench Store", timezone: "America/New_York", currency: "USD" });
    await db.session.create({ data: { id: `offline_${domain}`, shop: domain, state: "installed", isOnline: false, scope: appScopes.join(","), accessToken } });
    const created = await createRule({ db, clock: systemClock }, shop, { template: "points-balance", key: "new", params: { minPoints: "100" }, enabled: true }, "bench");
    if (!created.ok) throw new Error(`rule refused: ${JSON.stringify(created.errors)}`);
    const gids = Array.from({ length: count }, (_, index) => fake.store.addCustomer(domain, { email: `tags-${index}@${domain}`, tags: withOld ? [...OTHER_APPS, "roost-old"] : OTHER_APPS }).id);
    const now = new Date();
    const op = (customerGid: string, tag: string, kind: "add" | "remove") => {
      const transitionId = randomUUID();
      return { queue: TAGS_QUEUE, key: transitionId, shopId: shop.id, payload: JSON.stringify({ transitionId, customerGid, tag, op: kind }), runAt: new Date(now.getTime() - 1000) };
    };
    for (let start = 0; start < gids.length; start += CHUNK) {
      const members = gids.slice(start, start + CHUNK).map((customerGid) => ({ id: randomUUID(), shopId: shop.id, customerGid }));
      await db.member.createMany({ data: members });
      await db.cohortMembership.createMany({
        data: members.map((member) => ({ shopId: shop.id, ruleId: created.rule.id, subjectKey: `member:${member.id}`, memberId: member.id, transitionId: randomUUID(), enteredAt: now })),
      });
      if (withOld) await db.customerTag.createMany({ data: members.map(({ customerGid }) => ({ shopId: shop.id, customerGid, tag: "roost-old", state: "applied", updatedAt: now })) });
      await db.job.createMany({ data: members.flatMap(({ customerGid }) => [...(withOld ? [op(customerGid, "roost-old", "remove")] : []), op(customerGid, "roost-new", "add")]) });
    }
    return { shopId: shop.id, gids };
  }

  /** adminClientFor, with when each answer arrived and what it carried; `first` runs before the first request. */
  const marked = (marks: Mark[], first?: () => void): AdminClientFactory => async (database, domain) => {
    const client = await adminClientFor(database, domain);
    return {
      throttleStatus: () => client.throttleStatus?.() ?? null,
      async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
        if (marks.length === 0) first?.();
        const data = await client.request<T>(query, variables);
        marks.push({ operation: /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "anonymous", at: performance.now(), data });
        return data;
      },
    };
  };

  const requestsOf = (domain: string) => fake.store.requests.filter((request) => request.shop === domain && request.kind === "graphql");
  const isTagCall = (query: string | null) => /tags(Add|Remove)\(/.test(query ?? "") && !/bulkOperationRunMutation\(/.test(query ?? "");

  /** `writes`: the tag writes that reached Shopify (calls answered without error, bulk lines); `expected` of them were due. */
  async function settle(shopId: string, domain: string, gids: string[], writes: number, expected: number): Promise<Settled> {
    const jobs = Object.fromEntries(
      (await db.job.groupBy({ by: ["status"], where: { shopId, queue: TAGS_QUEUE }, _count: true })).map((row) => [row.status, row._count]),
    );
    const rows = await db.customerTag.findMany({ where: { shopId }, select: { customerGid: true, tag: true, state: true } });
    const applied = rows.filter((row) => row.tag === "roost-new" && row.state === "applied").length;
    const wanted = [...OTHER_APPS, "roost-new"].sort().join(",");
    const tagsMatch = gids.filter((gid) => [...(fake.store.customer(domain, gid)?.tags ?? [])].sort().join(",") === wanted).length;
    const pending = Object.entries(jobs).filter(([status]) => status !== "done").reduce((sum, [, count]) => sum + count, 0);
    // A customer not settled: its tags wrong at the fake, its row not applied (or a stray row), or one of its jobs not done.
    const lost = Math.max(gids.length - tagsMatch, gids.length - applied, rows.length - applied, pending);
    return { jobs, applied, tagsMatch, lost, doubled: Math.max(0, writes - expected) };
  }

  // Call path: fewer customers than BULK_THRESHOLD, two mutations each.
  const callCustomers = Math.ceil(options.ops / 2);
  const call = await seedShop(CALL_SHOP, callCustomers, true);
  // Another app spends the whole bucket just before the writer's first call: no burst, and that
  // first call, unpaced (the writer has seen no throttle status yet), meets THROTTLED.
  const callMarks: Mark[] = [];
  const callStart = performance.now();
  await writeTagsNow({ db, clock: systemClock, logger, adminFor: marked(callMarks, () => fake.store.drainBucket(CALL_SHOP, 0)) }, { shopId: call.shopId });
  const callEnd = performance.now();
  const callRequests = requestsOf(CALL_SHOP).filter((request) => isTagCall(request.query));
  const succeeded = callRequests.filter((request) => request.status === 200 && request.errorCodes.length === 0);
  const throttled = callRequests.filter((request) => request.errorCodes.includes("THROTTLED")).length;
  const callSettled = await settle(call.shopId, CALL_SHOP, call.gids, succeeded.length, 2 * callCustomers);
  const unretried = await db.job.count({ where: { shopId: call.shopId, queue: TAGS_QUEUE, lastError: { contains: "throttled" } } });
  const tagMarks = callMarks.filter((mark) => /^RoostTags(Add|Remove)$/.test(mark.operation));
  const callFigures: CallFigures = {
    ...callSettled,
    customers: callCustomers,
    ops: succeeded.length,
    wallMs: callEnd - callStart,
    firstCallMs: (tagMarks[0]?.at ?? callEnd) - callStart,
    callSpanMs: (tagMarks.at(-1)?.at ?? callEnd) - (tagMarks[0]?.at ?? callStart),
    theoreticalOpsPerSecond: throttle.restoreRate / MUTATION_COST,
    bucket: { ...throttle, mutationCost: MUTATION_COST },
    throttled,
    unretried,
    points: callRequests.reduce((sum, request) => sum + (request.actualQueryCost ?? 0), 0),
  };
  console.log(`call path: ${callFigures.ops} ops in ${fmt(callFigures.wallMs / 1000, 1)} s`);

  let bulkFigures: BulkFigures | null = null;
  if (options.bulk > 0) {
    const bulk = await seedShop(BULK_SHOP, options.bulk, false);
    const marks: Mark[] = [];
    const start = performance.now();
    await writeTagsNow({ db, clock: systemClock, logger, adminFor: marked(marks) }, { shopId: bulk.shopId });
    const end = performance.now();
    const runs = marks.filter((mark) => (mark.data as { bulkOperationRunMutation?: unknown }).bulkOperationRunMutation);
    const ids = runs.map((mark) => (mark.data as { bulkOperationRunMutation?: { bulkOperation?: { id: string } | null } }).bulkOperationRunMutation?.bulkOperation?.id).filter((id) => id !== undefined);
    const linesSent = ids.reduce((sum, id) => sum + (fake.store.bulkOperation(id)?.rootObjectCount ?? 0), 0);
    const completed = marks.filter((mark) => (mark.data as { node?: { status?: string } | null }).node?.status === "COMPLETED").at(-1)?.at ?? end;
    const staged = runs[0]?.at ?? start;
    // The first answer is the check for an earlier operation still running, made once the run is planned.
    const planned = marks[0]?.at ?? start;
    const requests = requestsOf(BULK_SHOP);
    const direct = requests.filter((request) => isTagCall(request.query) && request.status === 200 && request.errorCodes.length === 0).length;
    const settled = await settle(bulk.shopId, BULK_SHOP, bulk.gids, linesSent + direct, options.bulk);
    bulkFigures = {
      ...settled,
      customers: options.bulk,
      wallMs: end - start,
      operations: ids.length,
      linesSent,
      calls: requests.length,
      points: requests.reduce((sum, request) => sum + (request.actualQueryCost ?? 0), 0),
      throttled: requests.filter((request) => request.errorCodes.includes("THROTTLED")).length,
      phases: { planMs: planned - start, stageMs: staged - planned, operationMs: completed - staged, settleMs: end - completed },
    };
    console.log(`bulk path: ${options.bulk} ops in ${fmt(bulkFigures.wallMs / 1000, 1)} s`);
  }

  fs.writeFileSync(options.out, `${JSON.stringify({ call: callFigures, bulk: bulkFigures } satisfies TagsReport, null, 2)}\n`);
  await network.uninstall();
  await db.$disconnect();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { "tag-ops": { type: "string", default: "600" }, "tag-bulk": { type: "string", default: "10000" }, out: { type: "string" } } });
  const ops = Number(values["tag-ops"]);
  const bulk = Number(values["tag-bulk"]);
  if (!Number.isInteger(ops) || ops < 2 || ops > MAX_CALL_OPS) throw new BrokenRun(`--tag-ops takes a whole number from 2 to ${MAX_CALL_OPS}`);
  if (!Number.isInteger(bulk) || bulk < 0) throw new BrokenRun("--tag-bulk takes a whole number");
  if (!values.out) throw new BrokenRun("--out <file> is required");
  await measure({ ops, bulk, out: values.out });
  process.exit(0);
}
