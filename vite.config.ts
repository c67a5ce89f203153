import { vitePlugin as remix } from "@remix-run/dev";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

// Remix makes every route a client entry, so a resource route (no default export, nothing for the
// browser) comes out as an empty chunk and Rollup says so (remix-run/remix#9055, never fixed in
// Remix 2). Those chunk names are the route files' names with `$` as `_`.
const resourceRouteChunks = new Set(
  fs
    .readdirSync(fileURLToPath(new URL("app/routes", import.meta.url)))
    .filter((file) => /\.tsx?$/.test(file) && !/\.test\./.test(file))
    .map((file) => file.replace(/\.tsx?$/, "").replaceAll("$", "_")),
);

export default defineConfig({
  server: {
    host: process.env.HOST ?? "127.0.0.1",
    port: Number(process.env.PORT ?? 3000),
  },
  plugins: [
    remix({
      // `npm start` serves from the same folder (server.mjs); tests build into their scratch folder.
      buildDirectory: process.env.ROOST_BUILD_DIR ?? "build",
      ignoredRouteFiles: ["**/.*", "**/*.test.*"],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: true,
        v3_routeConfig: false,
      },
    }),
  ],
  // Pre-bundled at start-up so a first page load never waits for a dependency re-optimisation
  // (which reloads the page: the demo's first visit and the browser tests would see it).
  optimizeDeps: {
    include: [
      "react",
      "react/jsx-runtime",
      "react/jsx-dev-runtime",
      "react-dom",
      "react-dom/client",
      "@remix-run/react",
      "@shopify/polaris",
      // The Dashboard's charts, imported from a .client module the scan may reach late.
      "@shopify/polaris-viz",
      "@shopify/app-bridge-react",
      "@shopify/shopify-app-remix/react",
      // Imported by route modules for their loaders and actions; Vite's scan finds them too,
      // and listing them here keeps it from finding them late.
      "@remix-run/node",
      "@shopify/shopify-api",
      "@shopify/shopify-app-remix/server",
      "@shopify/shopify-app-remix/adapters/node",
      "@shopify/shopify-app-session-storage-prisma",
      "@libsql/client",
      "@prisma/adapter-libsql",
      "@prisma/adapter-pg",
      "@prisma/client",
      "ioredis",
      "pino",
      "smol-toml",
      "zod",
    ],
  },
  build: {
    assetsInlineLimit: 0,
    target: "node22",
    rollupOptions: {
      onwarn(warning, warn) {
        if (warning.code === "EMPTY_BUNDLE" && (warning.names ?? []).every((name) => resourceRouteChunks.has(name))) return;
        // zod's sources carry prose comments that mention `@__PURE__`; Rollup drops them and says
        // so. The comments are not annotations, so nothing is lost.
        if (warning.code === "INVALID_ANNOTATION" && /[\\/]node_modules[\\/]zod[\\/]/.test(warning.id ?? "")) return;
        warn(warning);
      },
    },
  },
  ssr: { noExternal: [] },
});
