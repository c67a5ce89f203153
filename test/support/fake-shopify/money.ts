/**
 * Money is kept in integer minor units so totals never pick up float error, and is
 * rendered the two ways Shopify renders it: `Decimal` (MoneyV2.amount, e.g. "10.0",
 * "29.99") and `Money` (ProductVariant.price, fixed currency digits, e.g. "10.00").
 */

const digitsCache = new Map<string, number>();

export function currencyDigits(currencyCode: string): number {
  let digits = digitsCache.get(currencyCode);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).resolvedOptions()
      .maximumFractionDigits ?? 2;
    digitsCache.set(currencyCode, digits);
  }
  return digits;
}

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code);
}

/** Parses "12.5" / 12.5 into minor units of `currencyCode`, rounding half away from zero. */
export function toMinorUnits(value: string | number, currencyCode: string): number {
  const text = typeof value === 'number' ? value.toFixed(10) : value.trim();
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    throw new TypeError(`Invalid money amount: ${String(value)}`);
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const digits = currencyDigits(currencyCode);
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  let minor = Number(whole) * 10 ** digits + Number(kept || '0');
  const nextDigit = fraction.charAt(digits);
  if (nextDigit !== '' && Number(nextDigit) >= 5) {
    minor += 1;
  }
  return sign ? -minor : minor;
}

function splitMinor(minor: number, currencyCode: string): { sign: string; whole: string; fraction: string } {
  const digits = currencyDigits(currencyCode);
  const abs = Math.abs(minor);
  const scale = 10 ** digits;
  return {
    sign: minor < 0 ? '-' : '',
    whole: String(Math.floor(abs / scale)),
    fraction: digits > 0 ? String(abs % scale).padStart(digits, '0') : '',
  };
}

/** Shopify's `Decimal` rendering: trailing zeros dropped but at least one fractional digit. */
export function formatDecimal(minor: number, currencyCode: string): string {
  const { sign, whole, fraction } = splitMinor(minor, currencyCode);
  const trimmed = fraction.replace(/0+$/, '');
  return `${sign}${whole}.${trimmed === '' ? '0' : trimmed}`;
}

/** Shopify's `Money` scalar rendering: always the currency's number of digits. */
export function formatMoney(minor: number, currencyCode: string): string {
  const { sign, whole, fraction } = splitMinor(minor, currencyCode);
  return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}

export interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export interface MoneyBag {
  shopMoney: MoneyV2;
  presentmentMoney: MoneyV2;
}

export function moneyV2(minor: number, currencyCode: string): MoneyV2 {
  return { amount: formatDecimal(minor, currencyCode), currencyCode };
}

/** Converts shop-currency minor units into presentment minor units at `rate`. */
export function convertMinor(minor: number, from: string, to: string, rate: number): number {
  if (from === to && rate === 1) {
    return minor;
  }
  const shift = currencyDigits(to) - currencyDigits(from);
  return Math.round(minor * rate * 10 ** shift);
}
