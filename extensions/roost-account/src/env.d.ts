// The Shopify CLI replaces process.env.<NAME> in the bundle with the build's value (esbuild define).
declare const process: { env: { APP_URL?: string } };
