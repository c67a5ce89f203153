import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import { findShop, listShops } from "../services/shops/shops.server";

export interface Output {
  write(text: string): unknown;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  db?: Database;
  clock?: Clock;
}

export class CliError extends Error {}

export interface CommandContext {
  db: Database;
  clock: Clock;
  args: string[];
  flags: {
    shop?: string;
    json: boolean;
    status?: string;
    limit?: string;
    wait?: boolean;
    since?: string;
    email?: string;
    days?: string;
    "client-id"?: string;
    queue?: string;
    key?: string;
    set?: string[];
    enable?: boolean;
    now?: string;
    url?: string;
    events?: string;
    "personal-data"?: boolean;
    type?: string;
    value?: string;
    cost?: string;
    name?: string;
    minimum?: string;
    member?: string;
  };
  io: CliIO;
}

/** A command resolves with its JSON document and its human-readable text. */
export type Command = (context: CommandContext) => Promise<{ json: unknown; text: string; exitCode?: number }>;

/** `--shop`, or the only shop there is. */
export async function resolveShop(db: Database, shop: string | undefined): Promise<string> {
  if (shop) {
    if (!(await findShop(db, shop))) throw new CliError(`Unknown shop ${shop}`);
    return shop;
  }
  const shops = await listShops(db);
  if (shops.length === 1) return shops[0].domain;
  if (shops.length === 0) throw new CliError("No shops yet: install Roost on a store first");
  throw new CliError(`${shops.length} shops exist: pass --shop <domain>`);
}

export function table(headings: string[], rows: string[][]): string {
  if (rows.length === 0) return "(none)";
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  return [line(headings), ...rows.map(line)].join("\n");
}

