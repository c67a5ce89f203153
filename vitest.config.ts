import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["app/**/*.test.{ts,tsx}", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    env: {
      NODE_ENV: "test",
      TZ: "UTC",
      SHOPIFY_API_KEY: "roost-test-api-key",
      SHOPIFY_API_SECRET: "roost-test-api-secret",
      SHOPIFY_APP_URL: "http://127.0.0.1:3000",
      ROOST_SESSION_TABLE_RETRIES: "1",
    },
  },
});
