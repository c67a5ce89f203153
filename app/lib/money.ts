/**
 * Money is integer minor units of a currency (cents for USD, yen for JPY, fils for KWD).
 * Shopify sends decimal strings; these convert them exactly, without floating point.
 */

const exponents = new Map<string, number>();

/** ISO 4217 minor-unit digits, from the platform's currency data. */
export function currencyExponent(currency: string): number {
  let exponent = exponents.get(currency);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(currency, exponent);
  }
  return exponent;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "12.34" → 1234 (exponent 2). Extra digits beyond the exponent must be zeros. */
export function toMinorUnits(amount: string | number, exponent: number): number {
  const text = typeof amount === "number" ? amount.toFixed(exponent) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: "${amount}"`);
  const [, sign, whole, fraction = ""] = match;
  if (fraction.length > exponent && /[1-9]/.test(fraction.slice(exponent))) {
    throw new RangeError(`"${amount}" has more precision than the currency's ${exponent} decimals`);
  }
  const minor = Number(whole + fraction.slice(0, exponent).padEnd(exponent, "0"));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount out of range: "${amount}"`);
  return sign ? -minor : minor;
}

/**
 * Money and points are carried as JS numbers, exact up to Number.MAX_SAFE_INTEGER minor units
 * (docs/decisions/0003-64-bit-money.md). A sum or product past that is refused, never rounded.
 */
export function safeAmount(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} is out of range: ${value} is beyond ±${Number.MAX_SAFE_INTEGER}`);
  return value;
}

/** 1234 → "12.34" (exponent 2). */
export function formatMinorUnits(minor: number, exponent: number): string {
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
