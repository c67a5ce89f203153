import { parseGid, toGid } from './gid.js';
import { isKnownMetafieldType } from './metafield-types.js';

/**
 * Code discounts (discountCodeBasicCreate, discountCodeFreeShippingCreate, codeDiscountNodeByCode),
 * store credit (storeCreditAccountCredit) and metafield definitions (metafieldDefinitionCreate), as
 * Shopify validates them. Refusals are `userErrors` with Shopify's codes and its fields' paths (the
 * request succeeds, HTTP 200); messages follow Shopify's, not byte for byte. What was accepted is
 * kept per shop for tests: `store.discounts(shop)`, `store.discountByCode(shop, code)`,
 * `store.storeCredit(shop, customerGid)`, `store.metafieldDefinitions(shop)`.
 */

export interface UserErrorData {
  field: string[] | null;
  message: string;
  code: string;
}

type Input = Record<string, unknown>;

export type DiscountValue = { percentage: number } | { amount: string; appliesOnEachItem: boolean };

export interface CodeDiscountRecord {
  kind: 'DiscountCodeNode';
  id: string;
  numericId: number;
  /** DiscountCodeBasic or DiscountCodeFreeShipping. */
  discountType: 'DiscountCodeBasic' | 'DiscountCodeFreeShipping';
  title: string;
  code: string;
  startsAt: number;
  endsAt: number | null;
  usageLimit: number | null;
  appliesOncePerCustomer: boolean;
  /** Who may use it: every buyer, or these customers' GIDs only. */
  customers: 'all' | string[];
  minimum: { subtotal: string } | { quantity: string } | null;
  /** A basic discount's value (null for free shipping). */
  value: DiscountValue | null;
  createdAt: number;
}

export interface StoreCreditTransactionRecord {
  id: string;
  amount: string;
  balanceAfter: string;
  createdAt: number;
}

export interface StoreCreditAccountRecord {
  id: string;
  numericId: number;
  ownerGid: string;
  currency: string;
  /** The balance in minor units of `currency` (two decimals). */
  balanceCents: number;
  transactions: StoreCreditTransactionRecord[];
}

export interface MetafieldDefinitionRecord {
  id: string;
  name: string;
  namespace: string;
  key: string;
  type: string;
  ownerType: string;
  description: string | null;
  access: { storefront: string; customerAccount: string };
}

export interface DiscountState {
  /** Upper-cased code → discount (codes are unique per shop, whatever their case). */
  discounts: Map<string, CodeDiscountRecord>;
  /** Owner GID → store-credit account (one per currency in Shopify; the shop's currency here). */
  storeCreditAccounts: Map<string, StoreCreditAccountRecord>;
  metafieldDefinitions: MetafieldDefinitionRecord[];
}

export interface DiscountHost {
  allocateId(): number;
  now(): number;
  currency: string;
  customerExists(gid: string): boolean;
}

export const emptyDiscountState = (): DiscountState => ({ discounts: new Map(), storeCreditAccounts: new Map(), metafieldDefinitions: [] });

const DECIMAL = /^\d+(\.\d+)?$/;
const object = (value: unknown): Input | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : null);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A Decimal in minor units (cents), or null when it is not a non-negative decimal with at most two places. */
function cents(value: unknown): number | null {
  const raw = typeof value === 'number' ? String(value) : text(value);
  if (raw === null || !DECIMAL.test(raw)) return null;
  const [whole = '0', fraction = ''] = raw.split('.');
  if (fraction.replace(/0+$/, '').length > 2) return null;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

const decimal = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

function time(value: unknown): number | null {
  const raw = text(value);
  if (raw === null) return null;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}

/** The parts both code discounts share; `root` is the input argument's name. */
function commonDiscount(host: DiscountHost, state: DiscountState, root: string, input: Input, errors: UserErrorData[]) {
  const field = (...path: string[]) => [root, ...path];
  const title = (text(input.title) ?? '').trim();
  if (!title) errors.push({ field: field('title'), code: 'BLANK', message: "Title can't be blank" });
  else if (title.length > 255) errors.push({ field: field('title'), code: 'TOO_LONG', message: 'Title is too long (maximum is 255 characters)' });

  const code = (text(input.code) ?? '').trim();
  if (!code) errors.push({ field: field('code'), code: 'BLANK', message: "Code can't be blank" });
  else if (code.length > 255) errors.push({ field: field('code'), code: 'TOO_LONG', message: 'Code is too long (maximum is 255 characters)' });
  else if (/[\r\n]/.test(code)) errors.push({ field: field('code'), code: 'INVALID', message: 'Code cannot contain newline characters.' });
  else if (state.discounts.has(code.toUpperCase())) errors.push({ field: field('code'), code: 'TAKEN', message: 'Code must be unique. Please try a different code.' });

  const startsAt = time(input.startsAt);
  if (input.startsAt === undefined || input.startsAt === null) errors.push({ field: field('startsAt'), code: 'BLANK', message: "Starts at can't be blank" });
  else if (startsAt === null) errors.push({ field: field('startsAt'), code: 'INVALID', message: 'Starts at is invalid' });
  const endsAt = input.endsAt === undefined || input.endsAt === null ? null : time(input.endsAt);
  if (endsAt !== null && startsAt !== null && endsAt <= startsAt) {
    errors.push({ field: field('endsAt'), code: 'END_DATE_BEFORE_START_DATE', message: 'Ends at needs to be after starts_at' });
  }

  let usageLimit: number | null = null;
  if (input.usageLimit !== undefined && input.usageLimit !== null) {
    usageLimit = typeof input.usageLimit === 'number' ? input.usageLimit : NaN;
    if (!(usageLimit > 0)) errors.push({ field: field('usageLimit'), code: 'GREATER_THAN', message: 'Usage limit must be greater than 0' });
  }

  // `context` (2025-01 and later) or the older `customerSelection`, never both.
  let customers: 'all' | string[] = 'all';
  const context = object(input.context);
  if (context && input.customerSelection !== undefined) {
    errors.push({ field: field('context'), code: 'CONFLICT', message: 'Only one of context or customerSelection can be set.' });
  } else if (context) {
    const selected = object(context.customers);
    const keys = Object.keys(context).filter((key) => context[key] !== undefined && context[key] !== null);
    if (keys.length !== 1) errors.push({ field: field('context'), code: 'INVALID', message: 'Context must specify exactly one of all, customers or customerSegments.' });
    else if (context.all !== undefined && context.all !== 'ALL') errors.push({ field: field('context', 'all'), code: 'INCLUSION', message: 'All is not included in the list' });
    else if (selected) {
      const add = Array.isArray(selected.add) ? selected.add.filter((id): id is string => typeof id === 'string') : [];
      if (add.length === 0) errors.push({ field: field('context', 'customers', 'add'), code: 'BLANK', message: "Customers can't be blank" });
      for (const id of add) {
        if (parseGid(id)?.type !== 'Customer' || !host.customerExists(id)) {
          errors.push({ field: field('context', 'customers', 'add'), code: 'INVALID', message: `Customer ${id} does not exist` });
        }
      }
      customers = [...new Set(add)];
    } else if (context.customerSegments !== undefined) {
      errors.push({ field: field('context', 'customerSegments'), code: 'INVALID', message: 'Customer segments are not supported by this store' });
    }
  }

  let minimum: CodeDiscountRecord['minimum'] = null;
  const requirement = object(input.minimumRequirement);
  if (requirement) {
    const subtotal = object(requirement.subtotal);
    const quantity = object(requirement.quantity);
    if (subtotal && quantity) {
      errors.push({ field: field('minimumRequirement'), code: 'MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT', message: 'Minimum subtotal and quantity range cannot both be present' });
    } else if (subtotal) {
      const minor = cents(subtotal.greaterThanOrEqualToSubtotal);
      if (minor === null || minor <= 0) {
        errors.push({ field: field('minimumRequirement', 'subtotal', 'greaterThanOrEqualToSubtotal'), code: 'GREATER_THAN', message: 'Minimum subtotal must be greater than 0' });
      } else minimum = { subtotal: decimal(minor) };
    } else if (quantity) {
      const raw = text(quantity.greaterThanOrEqualToQuantity) ?? '';
      if (!/^[1-9]\d*$/.test(raw)) {
        errors.push({ field: field('minimumRequirement', 'quantity', 'greaterThanOrEqualToQuantity'), code: 'GREATER_THAN', message: 'Minimum quantity must be greater than 0' });
      } else minimum = { quantity: raw };
    }
  }

  return {
    title,
    code,
    startsAt: startsAt ?? 0,
    endsAt,
    usageLimit,
    appliesOncePerCustomer: input.appliesOncePerCustomer === true,
    customers,
    minimum,
  };
}

function save(host: DiscountHost, state: DiscountState, discountType: CodeDiscountRecord['discountType'], common: ReturnType<typeof commonDiscount>, value: DiscountValue | null) {
  const numericId = host.allocateId();
  const record: CodeDiscountRecord = { kind: 'DiscountCodeNode', id: toGid('DiscountCodeNode', numericId), numericId, discountType, ...common, value, createdAt: host.now() };
  state.discounts.set(record.code.toUpperCase(), record);
  return { codeDiscountNode: record, userErrors: [] };
}

const refused = (errors: UserErrorData[]) => ({ codeDiscountNode: null, userErrors: errors });

export function createBasicCodeDiscount(host: DiscountHost, state: DiscountState, args: Input) {
  const input = object(args.basicCodeDiscount) ?? {};
  const errors: UserErrorData[] = [];
  const common = commonDiscount(host, state, 'basicCodeDiscount', input, errors);
  const gets = object(input.customerGets);
  let value: DiscountValue | null = null;
  if (!gets) {
    errors.push({ field: ['basicCodeDiscount', 'customerGets'], code: 'BLANK', message: "Customer gets can't be blank" });
  } else {
    const items = object(gets.items);
    if (!items || (items.all !== true && !items.products && !items.collections)) {
      errors.push({ field: ['basicCodeDiscount', 'customerGets', 'items'], code: 'BLANK', message: "Items can't be blank" });
    }
    const raw = object(gets.value);
    const given = raw ? Object.keys(raw).filter((key) => raw[key] !== undefined && raw[key] !== null) : [];
    const path = ['basicCodeDiscount', 'customerGets', 'value'];
    if (!raw || given.length !== 1) {
      errors.push({ field: path, code: 'INVALID', message: 'Value must specify exactly one of percentage, discountAmount or discountOnQuantity' });
    } else if (raw.percentage !== undefined) {
      const percentage = typeof raw.percentage === 'number' ? raw.percentage : NaN;
      if (!(percentage > 0 && percentage <= 1)) errors.push({ field: [...path, 'percentage'], code: 'VALUE_OUTSIDE_RANGE', message: 'Value must be between 0.0 and 1.0' });
      else value = { percentage };
    } else if (raw.discountAmount !== undefined) {
      const amount = object(raw.discountAmount);
      const minor = cents(amount?.amount);
      if (minor === null || minor <= 0) errors.push({ field: [...path, 'discountAmount', 'amount'], code: 'GREATER_THAN', message: 'Value must be greater than 0' });
      else value = { amount: decimal(minor), appliesOnEachItem: amount?.appliesOnEachItem === true };
    } else {
      errors.push({ field: [...path, 'discountOnQuantity'], code: 'INVALID', message: 'Discount on quantity requires a customer buys condition' });
    }
  }
  return errors.length > 0 ? refused(errors) : save(host, state, 'DiscountCodeBasic', common, value);
}

export function createFreeShippingCodeDiscount(host: DiscountHost, state: DiscountState, args: Input) {
  const input = object(args.freeShippingCodeDiscount) ?? {};
  const errors: UserErrorData[] = [];
  const common = commonDiscount(host, state, 'freeShippingCodeDiscount', input, errors);
  const destination = object(input.destination);
  if (!destination || (destination.all !== true && !object(destination.countries))) {
    errors.push({ field: ['freeShippingCodeDiscount', 'destination'], code: 'BLANK', message: "Destination can't be blank" });
  }
  if (input.maximumShippingPrice !== undefined && input.maximumShippingPrice !== null && !((cents(input.maximumShippingPrice) ?? 0) > 0)) {
    errors.push({ field: ['freeShippingCodeDiscount', 'maximumShippingPrice'], code: 'GREATER_THAN', message: 'Maximum shipping price must be greater than 0' });
  }
  return errors.length > 0 ? refused(errors) : save(host, state, 'DiscountCodeFreeShipping', common, null);
}

export const findCodeDiscount = (state: DiscountState, code: string) => state.discounts.get(code.trim().toUpperCase()) ?? null;

/** storeCreditAccountCredit: `id` is the customer (its account is opened on first credit) or an account. */
export function creditStoreCredit(host: DiscountHost, state: DiscountState, args: Input) {
  const refuse = (field: string[] | null, code: string, message: string) => ({ storeCreditAccountTransaction: null, userErrors: [{ field, code, message }] });
  const id = text(args.id) ?? '';
  const input = object(args.creditInput) ?? {};
  const money = object(input.creditAmount) ?? {};
  let account: StoreCreditAccountRecord | undefined;
  const parsed = parseGid(id);
  if (parsed?.type === 'StoreCreditAccount') account = [...state.storeCreditAccounts.values()].find((candidate) => candidate.id === id);
  else if (parsed?.type === 'Customer' && host.customerExists(id)) account = state.storeCreditAccounts.get(id);
  else return refuse(['id'], 'ACCOUNT_NOT_FOUND', 'Store credit account does not exist.');
  if (!account && parsed.type === 'StoreCreditAccount') return refuse(['id'], 'ACCOUNT_NOT_FOUND', 'Store credit account does not exist.');
  const minor = cents(money.amount);
  if (minor === null || minor <= 0) return refuse(['creditInput', 'creditAmount', 'amount'], 'NEGATIVE_OR_ZERO_AMOUNT', 'A positive amount must be used to credit a store credit account.');
  const currency = text(money.currencyCode) ?? '';
  if (currency !== (account?.currency ?? host.currency)) {
    return refuse(['creditInput', 'creditAmount', 'currencyCode'], 'MISMATCHING_CURRENCY', 'The currency provided does not match the currency of the store credit account.');
  }
  const expiresAt = input.expiresAt === undefined || input.expiresAt === null ? null : time(input.expiresAt);
  if (expiresAt !== null && expiresAt <= host.now()) return refuse(['creditInput', 'expiresAt'], 'EXPIRES_AT_IN_PAST', 'The expiry date must be in the future.');
  if (!account) {
    const numericId = host.allocateId();
    account = { id: toGid('StoreCreditAccount', numericId), numericId, ownerGid: id, currency, balanceCents: 0, transactions: [] };
    state.storeCreditAccounts.set(id, account);
  }
  account.balanceCents += minor;
  const transaction: StoreCreditTransactionRecord = { id: toGid('StoreCreditAccountCreditTransaction', host.allocateId()), amount: decimal(minor), balanceAfter: decimal(account.balanceCents), createdAt: host.now() };
  account.transactions.push(transaction);
  const balance = { amount: decimal(account.balanceCents), currencyCode: account.currency };
  return {
    storeCreditAccountTransaction: {
      id: transaction.id,
      amount: { amount: transaction.amount, currencyCode: account.currency },
      balanceAfterTransaction: { amount: transaction.balanceAfter, currencyCode: account.currency },
      createdAt: transaction.createdAt,
      account: { id: account.id, balance },
    },
    userErrors: [],
  };
}

const OWNER_TYPES = new Set(['CUSTOMER', 'ORDER', 'PRODUCT', 'PRODUCTVARIANT', 'SHOP']);
const IDENTIFIER = /^[A-Za-z0-9_-]+$/;

/** metafieldDefinitionCreate: one definition per owner type, namespace and key. */
export function createMetafieldDefinition(host: DiscountHost, state: DiscountState, args: Input) {
  const input = object(args.definition) ?? {};
  const errors: UserErrorData[] = [];
  const field = (name: string) => ['definition', name];
  const name = (text(input.name) ?? '').trim();
  const namespace = (text(input.namespace) ?? '').trim();
  const key = (text(input.key) ?? '').trim();
  const type = text(input.type) ?? '';
  const ownerType = text(input.ownerType) ?? '';
  if (!name) errors.push({ field: field('name'), code: 'BLANK', message: "Name can't be blank" });
  else if (name.length > 255) errors.push({ field: field('name'), code: 'TOO_LONG', message: 'Name is too long (maximum is 255 characters)' });
  if (namespace.length < 3) errors.push({ field: field('namespace'), code: 'TOO_SHORT', message: 'Namespace is too short (minimum is 3 characters)' });
  else if (namespace.length > 255) errors.push({ field: field('namespace'), code: 'TOO_LONG', message: 'Namespace is too long (maximum is 255 characters)' });
  else if (!IDENTIFIER.test(namespace.replace(/^\$app:?/, '') || 'app')) errors.push({ field: field('namespace'), code: 'INVALID_CHARACTER', message: 'Namespace contains one or more invalid characters.' });
  if (key.length < 2) errors.push({ field: field('key'), code: 'TOO_SHORT', message: 'Key is too short (minimum is 2 characters)' });
  else if (key.length > 64) errors.push({ field: field('key'), code: 'TOO_LONG', message: 'Key is too long (maximum is 64 characters)' });
  else if (!IDENTIFIER.test(key)) errors.push({ field: field('key'), code: 'INVALID_CHARACTER', message: 'Key contains one or more invalid characters.' });
  if (!isKnownMetafieldType(type)) errors.push({ field: field('type'), code: 'INCLUSION', message: `Type name ${type || '(blank)'} is not a valid type.` });
  if (!OWNER_TYPES.has(ownerType)) errors.push({ field: field('ownerType'), code: 'INCLUSION', message: 'Owner type is not included in the list' });
  const access = object(input.access) ?? {};
  if (access.admin !== undefined && access.admin !== null && !namespace.startsWith('$app')) {
    errors.push({ field: field('access'), code: 'ADMIN_ACCESS_INPUT_NOT_ALLOWED', message: 'Admin access can only be specified on metafield definitions that have an app namespace.' });
  }
  if (errors.length === 0 && state.metafieldDefinitions.some((definition) => definition.ownerType === ownerType && definition.namespace === namespace && definition.key === key)) {
    const owner = ownerType.charAt(0) + ownerType.slice(1).toLowerCase();
    errors.push({ field: field('key'), code: 'TAKEN', message: `Key is in use for ${owner} metafields on the '${namespace}' namespace.` });
  }
  if (errors.length > 0) return { createdDefinition: null, userErrors: errors };
  const definition: MetafieldDefinitionRecord = {
    id: toGid('MetafieldDefinition', host.allocateId()),
    name,
    namespace,
    key,
    type,
    ownerType,
    description: text(input.description),
    access: { storefront: text(access.storefront) ?? 'NONE', customerAccount: text(access.customerAccount) ?? 'NONE' },
  };
  state.metafieldDefinitions.push(definition);
  return { createdDefinition: { ...definition, type: { name: type } }, userErrors: [] };
}
