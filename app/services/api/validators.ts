import { z } from "zod";
import { currencyExponent, formatMinorUnits, toMinorUnits } from "../../lib/money";

/**
 * Request bodies of the external orders API (docs/api.md). Each schema is built for the shop the
 * token resolved, because amounts are checked against the shop currency's decimals.
 */

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined || issue.input === null ? "Required" : `Must be ${what}`),
});

/** Control characters (C0, DEL, C1: CR, LF, ESC…) have no place in an id. */
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

/** An id from the other system: a non-empty string, or a whole number (kept as its string). */
const identifier = z
  .union([z.string(required("a string or a whole number")).trim(), z.number(required("a string or a whole number")).int().nonnegative()], required("a string or a whole number"))
  .transform((value) => String(value))
  .pipe(z.string().min(1, "Must not be empty").max(255, "Must be at most 255 characters").regex(NO_CONTROL_CHARACTERS, "Must not contain control characters"));

/**
 * The channel is part of the ledger key `external-order:<channel>:<id>`, so it cannot contain
 * ":" (that would make two different orders share a key).
 */
const channel = z
  .string(required("a string"))
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "Use 1–64 letters, digits, '.', '_' or '-' (e.g. \"pos-legacy\")");

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d+)$/;

/** A Shopify customer GID or its numeric id, as a GID. */
const customerId = z
  .union([z.string(required("a customer GID or numeric id")).trim(), z.number(required("a customer GID or numeric id")).int().positive()], required("a customer GID or numeric id"))
  .transform((value, ctx) => {
    const text = String(value);
    if (/^\d+$/.test(text) && text !== "0") return `gid://shopify/Customer/${text}`;
    if (CUSTOMER_GID.test(text)) return text;
    ctx.addIssue({ code: "custom", message: 'Must be a Shopify customer GID ("gid://shopify/Customer/123") or its numeric id' });
    return z.NEVER;
  });

const buyer = z
  .object(
    {
      customerId: customerId.optional(),
      externalId: z
        .string("Must be a string")
        .trim()
        .min(1, "Must not be empty")
        .max(255, "Must be at most 255 characters")
        .regex(NO_CONTROL_CHARACTERS, "Must not contain control characters")
        .optional(),
      email: z.string("Must be a string").trim().max(254, "Must be at most 254 characters").pipe(z.email("Must be an email address")).optional(),
    },
    required("an object"),
  )
  .refine((value) => !!(value.customerId || value.externalId || value.email), { message: "Give at least one of customerId, externalId or email" });

/** The shop's currency, in ISO 4217 letters. */
function shopCurrency(currency: string) {
  return z
    .string(required("a currency code"))
    .trim()
    .refine((value) => value === currency, { message: `Must be ${currency}, the shop currency` });
}

/**
 * The largest amount one order or refund may carry, in minor units: the same bound as a
 * Shopify order's (docs/decisions/0003-64-bit-money.md), one formula for every channel.
 */
export const MAX_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;

/** A decimal string ("123.45") with no more decimals than the currency has → minor units. */
function amount(currency: string) {
  const exponent = currencyExponent(currency);
  const tooLarge = `Must be at most ${formatMinorUnits(MAX_AMOUNT_MINOR, exponent)}`;
  return z
    .string(required('a decimal string such as "123.45"'))
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'Must be a decimal string such as "123.45"')
    .transform((value, ctx) => {
      const fraction = value.split(".")[1] ?? "";
      if (/[1-9]/.test(fraction.slice(exponent))) {
        ctx.addIssue({ code: "custom", message: exponent === 0 ? `${currency} has no decimals` : `${currency} has at most ${exponent} decimals` });
        return z.NEVER;
      }
      let minor: number;
      try {
        minor = toMinorUnits(value, exponent);
      } catch {
        minor = Number.POSITIVE_INFINITY; // out of the safe integer range
      }
      if (minor > MAX_AMOUNT_MINOR) {
        ctx.addIssue({ code: "custom", message: tooLarge });
        return z.NEVER;
      }
      return minor;
    });
}

const occurredAt = z
  .string(required("an ISO 8601 date-time"))
  .trim()
  .pipe(z.iso.datetime({ offset: true, error: 'Must be an ISO 8601 date-time with a zone, e.g. "2026-11-20T10:00:00-05:00"' }))
  .transform((value) => new Date(value));

const JSON_OBJECT = required("a JSON object");

export function externalOrderBody(currency: string) {
  return z.object(
    {
      id: identifier,
      channel,
      buyer,
      /** Minor units of the shop currency once parsed. */
      eligibleAmount: amount(currency),
      currency: shopCurrency(currency),
      occurredAt,
    },
    JSON_OBJECT,
  );
}
export type ExternalOrderBody = z.output<ReturnType<typeof externalOrderBody>>;

export function externalRefundBody(currency: string) {
  return z.object(
    {
      id: identifier,
      orderId: identifier,
      channel,
      /** Minor units of the shop currency once parsed. */
      refundedAmount: amount(currency),
      currency: shopCurrency(currency),
      occurredAt,
    },
    JSON_OBJECT,
  );
}
export type ExternalRefundBody = z.output<ReturnType<typeof externalRefundBody>>;

/** `{ "buyer.email": "Must be an email address" }`: the first problem of each field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".") || "body";
    fields[path] ??= issue.message;
  }
  return fields;
}

/** The admin's "create token" form. */
export const apiTokenForm = z.object({
  name: z.string("Enter a name").trim().min(1, "Enter a name, e.g. the system that will use the token").max(60, "Use at most 60 characters"),
});

/**
 * POST /api/v1/redemptions: who redeems (a member by Shopify customer id, external id or email,
 * matched in that order) and which reward. Snake case, as docs/api.md writes it.
 */
export const redemptionBody = () =>
  z.object(
    {
      customer: z
        .object({ shopify_customer_id: customerId.optional(), external_id: buyer.shape.externalId, email: buyer.shape.email }, required("an object"))
        .refine((value) => !!(value.shopify_customer_id || value.external_id || value.email), { message: "Give at least one of shopify_customer_id, external_id or email" }),
      reward_id: z.string(required("a reward id")).trim().min(1, "Must not be empty").max(64, "Must be at most 64 characters").regex(NO_CONTROL_CHARACTERS, "Must not contain control characters"),
    },
    JSON_OBJECT,
  );
export type RedemptionBody = z.output<ReturnType<typeof redemptionBody>>;
