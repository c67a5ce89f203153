/** The credentials every test process uses (set in vitest.config.ts). */
export const API_KEY = "roost-test-api-key";
export const API_SECRET = "roost-test-api-secret";
export const APP_URL = "http://127.0.0.1:3000";
export const API_VERSION = "2026-10";
