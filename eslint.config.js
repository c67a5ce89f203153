import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/", "node_modules/", ".tools/", ".cache/", ".tmp/", "extensions/*/dist/", "public/build/", "extensions/*/shopify.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    files: ["app/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Browser scripts and command-line entry points.
    files: ["scripts/demo/app-bridge.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The customer account extension runs in Shopify's sandbox: browser globals and `shopify`.
    files: ["extensions/roost-account/src/**"],
    languageOptions: { globals: { ...globals.browser, shopify: "readonly" } },
  },
  {
    files: ["scripts/**", "server.mjs", "test/**"],
    rules: { "no-console": "off" },
  },
);
