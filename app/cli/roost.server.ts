import { parseArgs } from "node:util";
import type { Database } from "../db.server";
import { systemClock } from "../lib/clock";
import {
  DELIVERY_STATUSES,
  DeliveryNotFoundError,
  DeliveryNotReplayableError,
  type DeliveryStatus,
  inboxRetentionDays,
  listDeliveries,
  pruneInbox,
  replayDelivery,
} from "../services/inbox/inbox.server";
import { syncHealth } from "../services/health/sync-health.server";
import { CATCH_UP, catchUpQueue, type CatchUpView, describeCatchUp, latestCatchUp, MAX_ATTEMPTS, retryCatchUp } from "../services/program/catch-up.server";
import { enqueue } from "../services/jobs/queue.server";
import { JobRunner } from "../services/jobs/runner.server";
import { createRedisCapStore } from "../services/ledger/redis-cap.server";
import { normaliseEmail } from "../services/identity/email";
import { memberSummary, verifyLedger } from "../services/ledger/verify.server";
import { findShop, listShops } from "../services/shops/shops.server";
import { COHORTS_USAGE, cohortCommands } from "./cohort-commands.server";
import { ENDPOINTS_USAGE, endpointCommands } from "./endpoint-commands.server";
import { CliError, type CliIO, type Command, resolveShop, table } from "./command.server";
import { JOBS_USAGE, jobsCommands } from "./jobs-commands.server";
import { PIXEL_USAGE, pixelCommands } from "./pixel-commands.server";
import { REWARDS_USAGE, rewardsCommands } from "./rewards-commands.server";
import { cliLogger, SYNC_USAGE, syncCommands } from "./sync-commands.server";
import { TAGS_USAGE, tagsCommands } from "./tags-commands.server";

const USAGE = `usage: npm run roost -- <command> [--shop <domain>] [--json]

commands:
  shops                        every shop Roost knows, with install state
  inbox:list [--status S]      webhook deliveries, newest first (S: ${DELIVERY_STATUSES.join(" | ")})
             [--limit N]
  inbox:replay <webhook id>    queue a delivery again with a fresh set of attempts
  inbox:prune [--days N]       drop processed payloads older than N days (default
                               ROOST_INBOX_RETENTION_DAYS, 30) and delete parked deliveries
                               older than that (all shops unless --shop); the server does it hourly
  sync:status                  sync health: status, counts, deliveries, backfill, reconciliation
${SYNC_USAGE}
  members:show --email E       a member: balance, tier, held, capped, ledger entries, timeline
  ledger:verify                balances equal their entries, no over-claw-back, caps respected
                               (all shops unless --shop; exits 1 on any violation)
  program:catch-up             run the shop's queued catch-up of stored orders after a program
                               change (recompute eligible amounts, retroactive awards) now,
                               retrying a failed one, with any other catch-up that is due;
                               exits 1 unless it finishes
${PIXEL_USAGE}
${JOBS_USAGE}
${COHORTS_USAGE}
${TAGS_USAGE}
${ENDPOINTS_USAGE}
${REWARDS_USAGE}

--shop may be left out when exactly one shop exists. --json prints one JSON document.`;

/**
 * `--shop` for inbox:list: also a domain Roost has no installation record for, as long as the
 * inbox holds deliveries of it (parked until the shop installs).
 */
async function inboxShop(db: Database, shop: string | undefined): Promise<string> {
  if (shop && !(await findShop(db, shop)) && (await listDeliveries(db, { shopDomain: shop, limit: 1 })).length > 0) return shop;
  return resolveShop(db, shop);
}

const inboxCommands: Record<string, Command> = {
  shops: async ({ db }) => {
    const shops = await listShops(db);
    const json = {
      shops: shops.map((shop) => ({
        domain: shop.domain,
        name: shop.name,
        orgId: shop.orgId,
        installed: shop.installed,
        timezone: shop.timezone,
        currency: shop.currency,
        installedAt: shop.installedAt.toISOString(),
        uninstalledAt: shop.uninstalledAt?.toISOString() ?? null,
      })),
    };
    return {
      json,
      text: table(
        ["DOMAIN", "NAME", "INSTALLED", "TIMEZONE", "CURRENCY"],
        json.shops.map((shop) => [shop.domain, shop.name ?? "", shop.installed ? "yes" : "no", shop.timezone, shop.currency]),
      ),
    };
  },

  "inbox:list": async ({ db, flags }) => {
    const shop = await inboxShop(db, flags.shop);
    if (flags.status && !(DELIVERY_STATUSES as readonly string[]).includes(flags.status)) {
      throw new CliError(`--status must be one of ${DELIVERY_STATUSES.join(", ")}`);
    }
    const limit = flags.limit ? Number(flags.limit) : 100;
    if (!Number.isInteger(limit) || limit < 1) throw new CliError("--limit must be a positive integer");
    const deliveries = await listDeliveries(db, { shopDomain: shop, status: flags.status as DeliveryStatus | undefined, limit });
    const json = {
      shop,
      deliveries: deliveries.map((delivery) => ({
        webhookId: delivery.webhookId,
        eventId: delivery.eventId,
        topic: delivery.topic,
        status: delivery.status,
        attempts: delivery.attempts,
        error: delivery.lastError,
        receivedAt: delivery.receivedAt.toISOString(),
        nextAttemptAt: delivery.status === "pending" ? delivery.nextAttemptAt.toISOString() : null,
      })),
    };
    return {
      json,
      text: table(
        ["WEBHOOK ID", "TOPIC", "STATUS", "ATTEMPTS", "RECEIVED", "ERROR"],
        json.deliveries.map((delivery) => [
          delivery.webhookId,
          delivery.topic,
          delivery.status,
          String(delivery.attempts),
          delivery.receivedAt,
          delivery.error ?? "",
        ]),
      ),
    };
  },

  "inbox:replay": async ({ db, clock, args, flags }) => {
    const webhookId = args[0];
    if (!webhookId) throw new CliError("inbox:replay needs a webhook id");
    const shop = await resolveShop(db, flags.shop);
    try {
      const delivery = await replayDelivery(db, webhookId, clock, shop);
      return {
        json: { replayed: { webhookId: delivery.webhookId, topic: delivery.topic, status: delivery.status } },
        text: `Queued ${delivery.topic} delivery ${delivery.webhookId} again; the server's inbox worker processes it.`,
      };
    } catch (error) {
      if (error instanceof DeliveryNotFoundError) throw new CliError(`${error.message} for ${shop}`);
      if (error instanceof DeliveryNotReplayableError) throw new CliError(error.message);
      throw error;
    }
  },
  "inbox:prune": async ({ db, clock, flags }) => {
    const shop = flags.shop ? await resolveShop(db, flags.shop) : null;
    if (flags.days !== undefined && !/^\d+$/.test(flags.days)) throw new CliError("--days must be a whole number of days");
    let days: number;
    try {
      days = flags.days === undefined ? inboxRetentionDays() : Number(flags.days);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const result = await pruneInbox(db, clock, { retentionDays: days, ...(shop ? { shopDomain: shop } : {}) });
    return {
      json: { shop, retentionDays: days, cutoff: result.cutoff.toISOString(), dropped: result.dropped, deleted: result.deleted },
      text: `${shop ?? "all shops"}: dropped ${result.dropped} processed payload(s) older than ${days} day(s) (before ${result.cutoff.toISOString()}); deleted ${result.deleted} parked deliver${result.deleted === 1 ? "y" : "ies"}.`,
    };
  },
};

const healthCommands: Record<string, Command> = {
  "sync:status": async ({ db, clock, flags }) => {
    const health = await syncHealth(db, await resolveShop(db, flags.shop), clock);
    const lines = [
      `${health.shop}: ${health.status.toUpperCase()}${health.reasons.length ? ` (${health.reasons.join("; ")})` : ""}`,
      `last sync      ${health.lastSyncAt ?? "never"}`,
      `ingested       ${Object.entries(health.counts).map(([name, count]) => `${name} ${count}`).join(", ")}`,
      `deliveries     pending ${health.inbox.pending}, failed ${health.inbox.failed}, dead ${health.inbox.dead}, unhandled ${health.inbox.unhandled}, parked ${health.inbox.parked}; processed in the last 24 h ${health.inbox.processed}`,
      `reconciliation ${health.reconcile ? `${health.reconcile.status} at ${health.reconcile.lastRunAt}, repaired ${health.reconcile.repairedTotal}` : "not run yet"}`,
      `backfill       ${health.backfill.length ? health.backfill.map((run) => `${run.resource} ${run.status} ${run.done}/${run.total ?? "?"}`).join(", ") : "not run yet"}`,
    ];
    if (health.problems.length) {
      lines.push("", table(["WEBHOOK ID", "TOPIC", "STATUS", "ATTEMPTS", "ERROR"], health.problems.map((problem) => [problem.webhookId, problem.topic, problem.status, String(problem.attempts), problem.error ?? ""])));
    }
    return { json: health, text: lines.join("\n") };
  },
};

const ledgerCommands: Record<string, Command> = {
  "members:show": async ({ db, flags }) => {
    const domain = await resolveShop(db, flags.shop);
    const email = normaliseEmail(flags.email);
    if (!email) throw new CliError("members:show needs --email <address>");
    const shop = await db.shop.findUniqueOrThrow({ where: { domain } });
    const member = await db.member.findFirst({ where: { shopId: shop.id, email } });
    const summary = member ? await memberSummary(db, shop.id, member.id) : null;
    if (!summary) throw new CliError(`No member with email ${email} in ${domain}`);
    const text = [
      `${summary.email} (${summary.customerGid ?? summary.externalId ?? "no customer id"})`,
      `balance ${summary.balance} · tier ${summary.tier} · held ${summary.held} · capped ${summary.capped}`,
      "",
      table(
        ["KIND", "POINTS", "BALANCE", "KEY", "TERMS", "REASON"],
        summary.entries.map((entry) => [
          entry.kind,
          String(entry.points),
          String(entry.balanceAfter),
          entry.key,
          entry.eligibleAmount !== null ? `${entry.eligibleAmount} × ${entry.rate} × ${entry.multiplier} (${entry.tier})` : "",
          entry.reason ?? "",
        ]),
      ),
    ].join("\n");
    return { json: { shop: domain, member: summary }, text };
  },
  "ledger:verify": async ({ db, flags }) => {
    const shopId = flags.shop ? (await db.shop.findUnique({ where: { domain: await resolveShop(db, flags.shop) } }))?.id : undefined;
    const result = await verifyLedger(db, shopId);
    const ok = result.violations.length === 0;
    const text = ok
      ? `ledger ok: ${result.members} members, ${result.entries} entries`
      : [`${result.violations.length} violation(s):`, ...result.violations.map((violation) => `  ${violation.rule}: member ${violation.memberId}: ${violation.detail}`)].join("\n");
    return { json: { ok, ...result }, text, exitCode: ok ? 0 : 1 };
  },
  "program:catch-up": async ({ db, clock, flags }) => {
    const domain = await resolveShop(db, flags.shop);
    const shop = await db.shop.findUniqueOrThrow({ where: { domain } });
    if (!shop.installed) throw new CliError(`${domain} has uninstalled Roost: nothing is written for it`);
    const retried = await retryCatchUp(db, shop.id, clock);
    const latest = await latestCatchUp(db, shop.id);
    if (!latest || (latest.status !== "pending" && latest.status !== "running")) {
      const last = latest ? ` Last one: ${describeCatchUp(latest, shop.timezone)}` : "";
      return { json: { shop: domain, outcome: "nothing", retried: false, job: latest }, text: `${domain}: nothing to catch up.${last}` };
    }
    // The server's runner holds it: leave it alone.
    const queued = await db.job.findUnique({ where: { queue_key: { queue: CATCH_UP, key: latest.id } } });
    if (queued?.status === "running" && queued.lockedUntil && queued.lockedUntil > clock.now()) {
      return { json: { shop: domain, outcome: "busy", retried: !!retried, job: latest }, text: `${domain}: another process is running it. ${describeCatchUp(latest, shop.timezone)}`, exitCode: 1 };
    }
    const logger = cliLogger();
    // Awards count against the daily cap where the server counts it: Redis when REDIS_URL is set.
    const redis = process.env.REDIS_URL ? createRedisCapStore({ url: process.env.REDIS_URL, logger }) : null;
    try {
      // Due now (one waiting out a back-off too), then run here: the queue's lease keeps the
      // server's runner off it meanwhile.
      await enqueue(db, { queue: CATCH_UP, key: latest.id, shopId: shop.id, maxAttempts: queued?.maxAttempts ?? MAX_ATTEMPTS }, clock.now());
      await new JobRunner({ db, clock, logger, queues: [catchUpQueue({ ...(redis ? { capStore: redis } : {}) })] }).drain(CATCH_UP);
    } finally {
      await redis?.close();
    }
    const job = (await latestCatchUp(db, shop.id))!;
    const outcome = catchUpOutcome(job);
    return { json: { shop: domain, outcome, retried: !!retried, job }, text: `${domain}: ${describeCatchUp(job, shop.timezone)}`, exitCode: outcome === "done" ? 0 : 1 };
  },
};

/** done, failed (attempts spent), retrying (an attempt failed; the server retries it), waiting (its shop uninstalled meanwhile, or it is still queued). */
function catchUpOutcome(job: CatchUpView): "done" | "failed" | "retrying" | "waiting" {
  if (job.status === "done" || job.status === "failed") return job.status;
  return job.lastError ? "retrying" : "waiting";
}

const commands: Record<string, Command> = { ...inboxCommands, ...healthCommands, ...syncCommands, ...ledgerCommands, ...pixelCommands, ...jobsCommands, ...cohortCommands, ...tagsCommands, ...endpointCommands, ...rewardsCommands };

/** Runs one command; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        shop: { type: "string" },
        json: { type: "boolean", default: false },
        status: { type: "string" },
        limit: { type: "string" },
        since: { type: "string" },
        email: { type: "string" },
        days: { type: "string" },
        "client-id": { type: "string" },
        queue: { type: "string" },
        key: { type: "string" },
        set: { type: "string", multiple: true },
        enable: { type: "boolean", default: false },
        now: { type: "string" },
        url: { type: "string" },
        events: { type: "string" },
        "personal-data": { type: "boolean", default: false },
        type: { type: "string" },
        value: { type: "string" },
        cost: { type: "string" },
        name: { type: "string" },
        minimum: { type: "string" },
        member: { type: "string" },
        wait: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help || !name) {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return parsed.values.help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`Unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  const db = io.db ?? (await import("../db.server")).default;
  try {
    const result = await command({ db, clock: io.clock ?? systemClock, args, flags: parsed.values, io });
    io.stdout.write(parsed.values.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
    return result.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
}
