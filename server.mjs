// Roost's HTTP server: Express in front of the Remix request handler.
//   NODE_ENV=production node server.mjs   serves the build from `npm run build` (in ROOST_BUILD_DIR, default build/)
//   otherwise                              serves the app through Vite (used by `npm run demo`)
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/node";
import compression from "compression";
import express from "express";
import pino from "pino";
import { limitedRequestHandler, refuseOversizedBodies } from "./app/http/body-limit.mjs";

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * @param {{ production?: boolean, configure?: (app: import("express").Express) => void }} [options]
 *   `configure` mounts extra middleware before the app (the demo's local stand-ins).
 */
export async function createServerApp({ production = process.env.NODE_ENV === "production", configure } = {}) {
  // The app's logger (app/lib/logger.server.ts) lives inside the build; the same setup here.
  const logger = pino({ name: "roost", level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info") }).child({ component: "http" });
  const buildDir = path.resolve(root, process.env.ROOST_BUILD_DIR ?? "build");
  let build;
  let devServer;
  if (production) {
    build = await import(pathToFileURL(path.join(buildDir, "server/index.js")).href);
  } else {
    const vite = await import("vite");
    devServer = await vite.createServer({ root, server: { middlewareMode: true } });
    build = () => devServer.ssrLoadModule("virtual:remix/server-build");
  }

  const app = express();
  app.disable("x-powered-by");
  // Before anything reads a body: over its path's limit (app/http/body-limit.mjs) it gets 413, unread.
  app.use(refuseOversizedBodies({ logger }));
  // Shopify's deliveries (POST to a webhook route's path) are received here, before compression,
  // static files and Remix's router (app/http/webhook-fast-path.server.ts). In development they
  // go through the routes: the build there is reloaded per request.
  if (production) app.use(build.entry.module.createWebhookFastPath(build.routes, { logger }));
  app.use(compression());
  configure?.(app);

  if (production) {
    app.use("/assets", express.static(path.join(buildDir, "client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(buildDir, "client"), { maxAge: "1h" }));
  } else {
    app.use(devServer.middlewares);
  }
  // The peer's address reaches routes as `context.clientAddress` (per-client limits; see
  // app/http/client-address.server.ts for ROOST_TRUST_PROXY behind reverse proxies).
  /** @param {import("express").Request} req */
  const getLoadContext = (req) => ({ clientAddress: req.socket.remoteAddress });
  // Remix's request is built from a body stream counted against the same limits.
  const handleRequest = createRequestHandler(build, production ? "production" : "development");
  app.all("*", limitedRequestHandler({ handleRequest, getLoadContext, logger }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "127.0.0.1";
  const app = await createServerApp();
  const server = app.listen(port, host, () => {
    console.log(`Roost listening on http://${host}:${port}`);
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
}
