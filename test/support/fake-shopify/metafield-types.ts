import { parseGid } from './gid.js';
import { isCurrencyCode } from './money.js';

/** Result of checking a metafield value against its declared type; `value` is Shopify's normalised form. */
export type MetafieldValueCheck = { ok: true; value: string } | { ok: false; message: string };

type ScalarValidator = (value: string) => MetafieldValueCheck;

const MAX_SAFE = 9_007_199_254_740_991n;

function ok(value: string): MetafieldValueCheck {
  return { ok: true, value };
}

function fail(message: string): MetafieldValueCheck {
  return { ok: false, message };
}

function parseJson(value: string): { ok: true; json: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, json: JSON.parse(value) as unknown };
  } catch (error) {
    return { ok: false, message: `Value is invalid JSON: ${(error as Error).message}.` };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const integer: ScalarValidator = (value) => {
  if (!/^[-+]?\d+$/.test(value.trim())) {
    return fail('Value must be an integer.');
  }
  const parsed = BigInt(value.trim());
  if (parsed > MAX_SAFE || parsed < -MAX_SAFE) {
    return fail('Value must be an integer between -9007199254740991 and 9007199254740991.');
  }
  return ok(parsed.toString());
};

const decimal: ScalarValidator = (value) =>
  /^[-+]?\d+(\.\d+)?$/.test(value.trim()) ? ok(value.trim()) : fail('Value must be a decimal number.');

const singleLine: ScalarValidator = (value) =>
  /[\r\n]/.test(value) ? fail('Value must be a single line text string.') : ok(value);

const date: ScalarValidator = (value) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))
    ? ok(value)
    : fail('Value must be in YYYY-MM-DD format.');

const dateTime: ScalarValidator = (value) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(value) && !Number.isNaN(Date.parse(value))
    ? ok(value)
    : fail('Value must be in YYYY-MM-DDTHH:MM:SS format.');

const url: ScalarValidator = (value) => {
  try {
    const parsed = new URL(value);
    return ['http:', 'https:', 'mailto:', 'sms:', 'tel:'].includes(parsed.protocol)
      ? ok(value)
      : fail('Value must be a URL with one of the following schemes: http, https, mailto, sms, tel.');
  } catch {
    return fail('Value must be a valid URL.');
  }
};

const color: ScalarValidator = (value) =>
  /^#[0-9A-Fa-f]{6}$/.test(value) ? ok(value) : fail('Value must be a hex color code (#RRGGBB).');

function reference(gidType: string): ScalarValidator {
  return (value) => {
    const parsed = parseGid(value);
    return parsed && parsed.type === gidType ? ok(value) : fail(`Value must be a valid ${gidType} global id.`);
  };
}

const scalarTypes: Record<string, ScalarValidator> = {
  boolean: (value) => (value === 'true' || value === 'false' ? ok(value) : fail('Value must be true or false.')),
  color,
  date,
  date_time: dateTime,
  multi_line_text_field: (value) => ok(value),
  number_decimal: decimal,
  number_integer: integer,
  single_line_text_field: singleLine,
  url,
  customer_reference: reference('Customer'),
  product_reference: reference('Product'),
  variant_reference: reference('ProductVariant'),
  collection_reference: reference('Collection'),
  order_reference: reference('Order'),
  page_reference: reference('Page'),
  metaobject_reference: reference('Metaobject'),
};

const listableTypes = new Set([
  'color',
  'date',
  'date_time',
  'number_decimal',
  'number_integer',
  'single_line_text_field',
  'url',
  'customer_reference',
  'product_reference',
  'variant_reference',
  'collection_reference',
  'page_reference',
  'metaobject_reference',
]);

function jsonType(value: string): MetafieldValueCheck {
  const parsed = parseJson(value);
  return parsed.ok ? ok(JSON.stringify(parsed.json)) : fail(parsed.message);
}

function moneyType(value: string): MetafieldValueCheck {
  const parsed = parseJson(value);
  if (!parsed.ok) {
    return fail(parsed.message);
  }
  const json = parsed.json;
  if (
    !isPlainObject(json) ||
    typeof json.amount !== 'string' ||
    !/^-?\d+(\.\d+)?$/.test(json.amount) ||
    typeof json.currency_code !== 'string' ||
    !isCurrencyCode(json.currency_code)
  ) {
    return fail('Value must be a JSON object with a decimal string "amount" and an ISO 4217 "currency_code".');
  }
  return ok(JSON.stringify({ amount: json.amount, currency_code: json.currency_code }));
}

function measurementType(value: string): MetafieldValueCheck {
  const parsed = parseJson(value);
  if (!parsed.ok) {
    return fail(parsed.message);
  }
  const json = parsed.json;
  if (!isPlainObject(json) || typeof json.value !== 'number' || typeof json.unit !== 'string') {
    return fail('Value must be a JSON object with a numeric "value" and a "unit".');
  }
  return ok(JSON.stringify(json));
}

function ratingType(value: string): MetafieldValueCheck {
  const parsed = parseJson(value);
  if (!parsed.ok) {
    return fail(parsed.message);
  }
  const json = parsed.json;
  if (!isPlainObject(json) || typeof json.value !== 'string' || typeof json.scale_min !== 'string' || typeof json.scale_max !== 'string') {
    return fail('Value must be a JSON object with "value", "scale_min" and "scale_max" strings.');
  }
  return ok(JSON.stringify(json));
}

const structuredTypes: Record<string, ScalarValidator> = {
  json: jsonType,
  money: moneyType,
  dimension: measurementType,
  volume: measurementType,
  weight: measurementType,
  rating: ratingType,
};

export function isKnownMetafieldType(type: string): boolean {
  if (type in scalarTypes || type in structuredTypes) {
    return true;
  }
  return type.startsWith('list.') && listableTypes.has(type.slice('list.'.length));
}

export function checkMetafieldValue(type: string, value: string): MetafieldValueCheck {
  const structured = structuredTypes[type];
  if (structured) {
    return structured(value);
  }
  const scalar = scalarTypes[type];
  if (scalar) {
    return scalar(value);
  }
  const itemType = type.slice('list.'.length);
  const itemValidator = scalarTypes[itemType];
  if (!type.startsWith('list.') || !itemValidator) {
    return fail(`Type ${type} is not a supported metafield type.`);
  }
  const parsed = parseJson(value);
  if (!parsed.ok) {
    return fail(parsed.message);
  }
  // Numeric lists are JSON numbers (`[1,2]`); every other list type is an array of strings.
  const numeric = itemType === 'number_integer' || itemType === 'number_decimal';
  if (!Array.isArray(parsed.json)) {
    return fail(`Value must be a JSON array of ${itemType} values.`);
  }
  const normalised: Array<string | number> = [];
  for (const item of parsed.json as unknown[]) {
    if (numeric ? typeof item !== 'number' : typeof item !== 'string') {
      return fail(`Value must be a JSON array of ${itemType} values.`);
    }
    const check = itemValidator(String(item));
    if (!check.ok) {
      return fail(`Value contains an invalid list item: ${check.message}`);
    }
    normalised.push(numeric ? Number(check.value) : check.value);
  }
  return ok(JSON.stringify(normalised));
}

/** Shopify's `jsonValue`: the typed JSON view of the stored string. */
export function metafieldJsonValue(type: string, value: string): unknown {
  switch (type) {
    case 'number_integer':
    case 'number_decimal':
      return Number(value);
    case 'boolean':
      return value === 'true';
    default:
      if (type === 'json' || type === 'money' || type === 'rating' || type.startsWith('list.') || type in structuredTypes) {
        return JSON.parse(value) as unknown;
      }
      return value;
  }
}
