// Roost's HTTP server: Express in front of the Remix request handler.
//   NODE_ENV=production node server.mjs   serves the build from `npm run build`
//   otherwise                              serves the app through Vite (used by `npm run demo`)
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import compression from "compression";
import express from "express";

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * @param {{ production?: boolean, configure?: (app: import("express").Express) => void }} [options]
 *   `configure` mounts extra middleware before the app (the demo's local stand-ins).
 */
export async function createServerApp({ production = process.env.NODE_ENV === "production", configure } = {}) {
  const app = express();
  app.disable("x-powered-by");
  app.use(compression());
  configure?.(app);

  let build;
  if (production) {
    app.use("/assets", express.static(path.join(root, "build/client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(root, "build/client"), { maxAge: "1h" }));
    build = await import(pathToFileURL(path.join(root, "build/server/index.js")).href);
  } else {
    const vite = await import("vite");
    const devServer = await vite.createServer({ root, server: { middlewareMode: true } });
    app.use(devServer.middlewares);
    build = () => devServer.ssrLoadModule("virtual:remix/server-build");
  }
  // The peer's address reaches routes as `context.clientAddress` (per-client limits; see
  // app/lib/client-address.server.ts for ROOST_TRUST_PROXY behind reverse proxies).
  /** @param {import("express").Request} req */
  const getLoadContext = (req) => ({ clientAddress: req.socket.remoteAddress });
  app.all("*", createRequestHandler({ build, mode: production ? "production" : "development", getLoadContext }));
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
