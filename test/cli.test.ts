import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { installTestShop, uniqueShop } from "./support/shopify";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { db, stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("npm run roost", () => {
  it("lists shops as JSON", async () => {
    const shop = uniqueShop();
    await installTestShop(shop, { name: "CLI Store", currency: "EUR", timezone: "Europe/Paris" });
    const run = capture();

    expect(await runCli(["shops", "--json"], run.io)).toBe(0);

    const listed = JSON.parse(run.stdout()).shops.find((entry: { domain: string }) => entry.domain === shop);
    expect(listed).toMatchObject({ domain: shop, name: "CLI Store", installed: true, currency: "EUR", timezone: "Europe/Paris", uninstalledAt: null });
    expect(listed.orgId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("asks for --shop when several shops exist, on stderr with a non-zero exit", async () => {
    await installTestShop(uniqueShop());
    await installTestShop(uniqueShop());
    const run = capture();

    expect(await runCli(["inbox:list"], run.io)).toBe(1);
    expect(run.stderr()).toMatch(/^error: \d+ shops exist: pass --shop <domain>\n$/);
    expect(run.stdout()).toBe("");
  });

  it("rejects an unknown shop, an unknown command, a bad status and an unknown webhook id", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const cases: [string[], RegExp][] = [
      [["inbox:list", "--shop", "nope.myshopify.com"], /Unknown shop nope\.myshopify\.com/],
      [["inbox:list", "--shop", shop, "--status", "lost"], /--status must be one of pending, processed, failed, dead/],
      [["inbox:replay", "missing-id", "--shop", shop], /No delivery with webhook id missing-id/],
      [["inbox:replay", "--shop", shop], /inbox:replay needs a webhook id/],
      [["frobnicate"], /Unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const run = capture();
      expect(await runCli(argv, run.io), argv.join(" ")).not.toBe(0);
      expect(run.stderr()).toMatch(message);
    }
  });

  it("runs as a command with --json on stdout", () => {
    const output = execFileSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/roost.ts", "shops", "--json"], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
    expect(Array.isArray(JSON.parse(output).shops)).toBe(true);
  });
});
