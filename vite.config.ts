import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

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
  build: { assetsInlineLimit: 0, target: "node22" },
  ssr: { noExternal: [] },
});
