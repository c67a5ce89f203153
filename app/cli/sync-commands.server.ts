import pino from "pino";
import { LOG_REDACT_PATHS, type Logger } from "../lib/logger.server";
import { databaseCapStore } from "../services/ledger/cap.server";
import { type BackfillProgress, backfillProgress, startBackfill, waitForBackfill } from "../services/sync/backfill.server";
import { queueShopSync, type SyncDeps } from "../services/sync/deps.server";
import { reconcile } from "../services/sync/reconcile.server";
import { requireActiveShop, ShopNotActiveError } from "../services/shops/shops.server";
import { CliError, type Command, type CommandContext, resolveShop, table } from "./command.server";

export const SYNC_USAGE = `  backfill [--wait]             import products, customers and orders with bulk queries
                               (--wait: poll and import until done, progress on stderr)
  reconcile [--since <ISO>]    repair what webhooks missed since the last pass (default)`;

/** Logs go to stderr so `--json` keeps stdout to one document. */
export const cliLogger = (): Logger =>
  pino({ name: "roost", level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "warn"), redact: LOG_REDACT_PATHS }, pino.destination(2)) as unknown as Logger;

// Orders a backfill or a repair from the CLI settles count the daily cap in the ledger, as they
// always have from here (the server's own passes use its cap store: Redis with REDIS_URL).
function deps(context: CommandContext): SyncDeps {
  return { db: context.db, clock: context.clock, logger: cliLogger(), capStore: databaseCapStore };
}

async function activeShop(context: CommandContext): Promise<{ domain: string; id: string }> {
  const domain = await resolveShop(context.db, context.flags.shop);
  try {
    const shop = await requireActiveShop(context.db, domain);
    return { domain, id: shop.id };
  } catch (error) {
    if (error instanceof ShopNotActiveError) throw new CliError(`${domain} has uninstalled Roost: nothing can be synced`);
    throw error;
  }
}

function progressLine(shop: string, progress: BackfillProgress): string {
  const parts = progress.runs.map((run) => `${run.resource} ${run.status} ${run.linesDone}/${run.objectCount ?? "?"}`);
  return `${shop}: ${parts.join(", ")}`;
}

function runsDocument(shop: string, progress: BackfillProgress) {
  return {
    shop,
    status: progress.status,
    runs: progress.runs.map((run) => ({
      resource: run.resource,
      status: run.status,
      objectCount: run.objectCount,
      linesDone: run.linesDone,
      since: run.since,
      error: run.error,
    })),
  };
}

export const syncCommands: Record<string, Command> = {
  backfill: async (context) => {
    const shop = await activeShop(context);
    const sync = deps(context);
    let progress = await startBackfill(sync, shop.domain);
    if (context.flags.wait) {
      let last = "";
      let failures = 0;
      for (;;) {
        try {
          progress = await waitForBackfill(sync, shop.domain, {
            pollMs: Number(process.env.ROOST_BACKFILL_POLL_MS ?? 250),
            onProgress: (current) => {
              const line = progressLine(shop.domain, current);
              if (line !== last) context.io.stderr.write(`${line}\n`);
              last = line;
            },
          });
          break;
        } catch (error) {
          // Transient trouble (network, throttling that outlasted the client) is retried a few times.
          failures += 1;
          context.io.stderr.write(`backfill step failed (${(error as Error).message}); retrying\n`);
          if (failures >= 5) throw new CliError(`backfill keeps failing: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
        }
      }
    } else {
      // The server's sync job for the shop carries it on from now.
      await queueShopSync(context.db, shop.id, context.clock.now());
      progress = await backfillProgress(context.db, shop.id);
    }
    const json = runsDocument(shop.domain, progress);
    return {
      json,
      // An operator script waiting for the backfill learns that a resource failed.
      exitCode: progress.status === "failed" ? 1 : 0,
      text: [
        `Backfill for ${shop.domain}: ${progress.status}${context.flags.wait ? "" : " (the server's sync job or `backfill --wait` carries it on)"}`,
        table(
          ["RESOURCE", "STATUS", "DONE", "TOTAL", "ERROR"],
          json.runs.map((run) => [run.resource, run.status, String(run.linesDone), run.objectCount === null ? "?" : String(run.objectCount), run.error ?? ""]),
        ),
      ].join("\n"),
    };
  },

  reconcile: async (context) => {
    const shop = await activeShop(context);
    let since: Date | undefined;
    if (context.flags.since !== undefined) {
      since = new Date(context.flags.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(context.flags.since) || Number.isNaN(since.getTime())) {
        throw new CliError(`--since must be an ISO 8601 date or timestamp, got "${context.flags.since}"`);
      }
    }
    const result = await reconcile(deps(context), shop.domain, { since });
    const json = { shop: shop.domain, since: result.since.toISOString(), repaired: result.repaired };
    const { orders, customers, products, refunds } = result.repaired;
    return {
      json,
      text: `Reconciled ${shop.domain} since ${json.since}: repaired ${orders} order(s), ${customers} customer(s), ${products} product(s), ${refunds} refund(s).`,
    };
  },
};
