// `npm run demo`: Roost against a simulated Shopify store, no Shopify account needed.
// Starts the fake Admin API, seeds a demo shop on SQLite, serves the app (through Vite) on
// loopback, and prints a URL that opens the embedded admin in an ordinary browser.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Express, Request as ExpressRequest } from "express";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

if (process.env.NODE_ENV === "production") {
  console.error("npm run demo mints session tokens and fakes Shopify: it refuses to run with NODE_ENV=production.");
  process.exit(1);
}

const DEMO_SHOP = process.env.ROOST_DEMO_SHOP ?? "roost-demo.myshopify.com";
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
Object.assign(process.env, {
  NODE_ENV: "development",
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "roost-demo-api-key",
  SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "roost-demo-api-secret",
  DATABASE_URL: process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite",
  SHOPIFY_APP_URL: `http://${host}:${port}`,
  ROOST_APP_BRIDGE_URL: "/__demo/app-bridge.js",
  ROOST_JOBS_POLL_MS: process.env.ROOST_JOBS_POLL_MS ?? "1000",
  ROOST_ENDPOINTS_ALLOW_PRIVATE: process.env.ROOST_ENDPOINTS_ALLOW_PRIVATE ?? "true",
});

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const ADMIN_PARAMS = ["embedded", "shop", "host", "id_token", "session", "hmac", "timestamp", "locale"];

async function main() {
  const { migrateDatabase } = await import("./db/migrate.mjs");
  await migrateDatabase(process.env.DATABASE_URL);

  const { createFakeShopify, installFakeShopifyNetwork } = await import("../test/support/fake-shopify");
  const { seedDemoStore } = await import("./demo/seed");
  const fake = createFakeShopify();
  installFakeShopifyNetwork(fake);
  const { sessionToken } = await import("./demo/session-token");
  const { renderStorePage } = await import("./demo/store-page");
  const { demoFigures, figureLines } = await import("./demo/figures");
  const { startTrading, tradeEveryMs } = await import("./demo/trading");

  // The shop's cohort tag prefix marks Roost's tags on the store page; a merchant may change it.
  const cohortTagPrefix = async () => {
    const { default: db } = await import("../app/db.server");
    const { parseShopSettings } = await import("../app/services/program/settings");
    const shop = await db.shop.findUnique({ where: { domain: DEMO_SHOP }, select: { settings: true } });
    return parseShopSettings(shop?.settings ?? "{}").cohortTagPrefix;
  };

  const { createServerApp } = await import("../server.mjs");
  const appBridge = fs.readFileSync(path.join(root, "scripts/demo/app-bridge.js"), "utf8");
  const configure = (app: Express) => {
    // Demo-only endpoints: loopback callers only.
    app.use("/__demo", (req, res, next) => {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) return void res.status(403).send("loopback only");
      next();
    });
    app.get("/__demo/app-bridge.js", (_req, res) => void res.type("application/javascript").send(appBridge));
    app.get("/__demo/session-token", async (req: ExpressRequest, res) => {
      const shop = String(req.query.shop ?? DEMO_SHOP);
      if (shop !== DEMO_SHOP) return void res.status(404).json({ error: "unknown demo shop" });
      res.set("Cache-Control", "no-store").json({ token: await sessionToken(shop) });
    });
    // The library's session-token bounce page loads App Bridge from Shopify's CDN, which then
    // reloads the page with a fresh token; here the stand-in does that.
    app.get("/auth/session-token", (_req, res) => {
      res.type("html").send(`<!DOCTYPE html><html><head><script data-api-key="${process.env.SHOPIFY_API_KEY}" src="/__demo/app-bridge.js"></script></head><body></body></html>`);
    });
    // The simulated store's customers with their tags, as its Shopify admin would list them.
    app.get("/__demo/store", (_req, res, next) => {
      cohortTagPrefix()
        .then((prefix) => void res.set("Cache-Control", "no-store").type("html").send(renderStorePage(fake, DEMO_SHOP, prefix)))
        .catch(next);
    });
    // An admin page as the admin's iframe loads it: the page's own query plus embedded, shop,
    // host and a fresh id_token, which the library needs on every document request.
    const asAdminLoadsIt = async (pathname: string, query: URLSearchParams) => {
      const url = new URL(pathname, `http://${host}:${port}`);
      for (const [key, value] of query) if (!ADMIN_PARAMS.includes(key)) url.searchParams.append(key, value);
      url.searchParams.set("embedded", "1");
      url.searchParams.set("shop", DEMO_SHOP);
      url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${DEMO_SHOP.split(".")[0]}`).toString("base64url"));
      url.searchParams.set("id_token", await sessionToken(DEMO_SHOP));
      return url.pathname + url.search;
    };
    // The URL to open: the app as the admin would load it, with a fresh token.
    app.get("/__demo", async (_req, res) => void res.redirect(await asAdminLoadsIt("/app", new URLSearchParams())));
    // In the admin the address bar shows the admin's URL and the iframe always loads with those
    // parameters; here the app is the page itself, and its links lead to bare /app URLs, which a
    // reload (or a pasted URL) asks for again. A page load from this machine gets them added, as
    // the admin would: without them the library sends it to log in.
    app.get(/^\/app(\/|$)/, (req, res, next) => {
      // Sec-Fetch-Dest: what a browser sends on a page load, and curl or a fetch never does.
      if (req.get("sec-fetch-dest") !== "document" || req.get("authorization") || req.query.shop !== undefined || !LOOPBACK.has(req.socket.remoteAddress ?? "")) return next();
      asAdminLoadsIt(req.path, new URL(req.originalUrl, "http://demo").searchParams)
        .then((url) => res.set("Cache-Control", "no-store").redirect(url))
        .catch(next);
    });
  };
  const app = await createServerApp({ production: false, configure });
  const server = app.listen(port, host, async () => {
    const appUrl = `http://${host}:${port}`;
    const started = Date.now();
    const summary = await seedDemoStore({ fake, shop: DEMO_SHOP, appUrl });
    const { default: db } = await import("../app/db.server");
    const { systemClock } = await import("../app/lib/clock");
    const figures = await demoFigures(db, DEMO_SHOP, systemClock);
    console.log(`\nRoost demo is running against a simulated store (${DEMO_SHOP}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    for (const line of figureLines(figures, { sent: summary.deliveries, rejected: summary.rejected })) console.log(line);
    const everyMs = tradeEveryMs();
    if (everyMs > 0) {
      const shopRow = await db.shop.findUniqueOrThrow({ where: { domain: DEMO_SHOP }, select: { id: true } });
      startTrading({ fake, shop: DEMO_SHOP, shopId: shopRow.id, appUrl, history: summary.history, everyMs, log: (line) => console.log(line) });
      console.log(`The store keeps trading: an order every ${everyMs / 1000} s (ROOST_DEMO_TRADE_EVERY_MS; 0 turns it off).`);
    }
    console.log(`Open ${appUrl}/__demo in your browser; the store's customers and their tags are at ${appUrl}/__demo/store. Ctrl-C stops it.\n`);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      server.close();
      process.exit(0);
    });
  }
}

await main();
