import pino from "pino";

/** Roost's one logger. Services take `logger.child({ shop })`; never console.log. */
export const logger = pino({
  name: "roost",
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: ["accessToken", "*.accessToken", "headers.authorization"],
});

export type Logger = typeof logger;
