import pino from "pino";

/**
 * Fields that name, reach or locate a shopper (DESIGN, "Lifecycle and privacy"), censored at
 * the top of a log line and one level down (`{ customer: { email } }`). Services log ids, never
 * these; this is the net under that rule.
 */
const PERSONAL_FIELDS = [
  "email",
  "contact_email",
  "contactEmail",
  "phone",
  "firstName",
  "lastName",
  "first_name",
  "last_name",
  "address",
  "address1",
  "address2",
  "billing_address",
  "shipping_address",
  "default_address",
  "addresses",
  "billingAddress",
  "shippingAddress",
  "defaultAddress",
];

export const LOG_REDACT_PATHS = [
  "accessToken",
  "*.accessToken",
  "headers.authorization",
  ...PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`]),
];

/** Roost's one logger. Services take `logger.child({ shop })`; never console.log. */
export const logger = pino({
  name: "roost",
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: LOG_REDACT_PATHS,
});

export type Logger = typeof logger;
