import pino from "pino";
import { PERSONAL_KEYS } from "./personal-data";

/**
 * What names, reaches or locates a shopper (DESIGN, "Lifecycle and privacy"), censored at the
 * top of a log line and one level down (`{ customer: { email } }`). Services log ids, never
 * these; this is the net under that rule.
 */
export const LOG_REDACT_PATHS = [
  "accessToken",
  "*.accessToken",
  "headers.authorization",
  ...[...PERSONAL_KEYS].flatMap((field) => [field, `*.${field}`]),
];

/** Roost's one logger. Services take `logger.child({ shop })`; never console.log. */
export const logger = pino({
  name: "roost",
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: LOG_REDACT_PATHS,
});

export type Logger = typeof logger;
