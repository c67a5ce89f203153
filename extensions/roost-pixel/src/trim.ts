// Each event keeps Shopify's standard-event shape but only the fields Roost uses: no names,
// emails, phones, addresses or search text, and page URLs without query strings (utm_* stay).

export interface Money {
  amount: number;
  currencyCode: string;
}

export interface TrimmedVariant {
  id: string | null;
  price: Money | null;
  product: { id: string | null };
}

export interface TrimmedEvent {
  id: string;
  name: string;
  clientId: string;
  timestamp: string;
  seq?: number;
  type?: string;
  context: { document: { location: { href: string; pathname: string; search: string } } };
  data: {
    productVariant?: TrimmedVariant;
    cartLine?: { quantity: number; merchandise: TrimmedVariant; cost?: { totalAmount: Money | null } };
    checkout?: {
      token: string | null;
      order: { id: string | null } | null;
      currencyCode: string | null;
      totalPrice: Money | null;
      lineItems: { quantity: number; variant: TrimmedVariant | null }[];
    };
    collection?: { id: string | null };
    cart?: { id: string | null };
  };
}

type Obj = Record<string, unknown>;

const obj = (value: unknown): Obj | null =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : null;
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function money(value: unknown): Money | null {
  const m = obj(value);
  const amount = num(m?.amount);
  const currencyCode = str(m?.currencyCode);
  return amount === null || currencyCode === null ? null : { amount, currencyCode };
}

function variant(value: unknown): TrimmedVariant | null {
  const v = obj(value);
  if (!v) return null;
  return { id: str(v.id), price: money(v.price), product: { id: str(obj(v.product)?.id) } };
}

/** Drops the query string (except utm_* parameters) and the fragment. */
export function reduceUrl(href: string): { href: string; pathname: string; search: string } {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return { href: "", pathname: "", search: "" };
  }
  const kept = new URLSearchParams();
  url.searchParams.forEach((value, key) => {
    if (key.toLowerCase().startsWith("utm_")) kept.append(key, value);
  });
  const query = kept.toString();
  const search = query ? `?${query}` : "";
  return { href: `${url.origin}${url.pathname}${search}`, pathname: url.pathname, search };
}

/** A cart id can carry its access key (`?key=…`): only the id itself is kept. */
function cartId(value: unknown): string | null {
  const id = str(value);
  return id === null ? null : id.split("?")[0];
}

export function trimEvent(raw: unknown): TrimmedEvent | null {
  const event = obj(raw);
  const id = str(event?.id);
  const name = str(event?.name);
  const clientId = str(event?.clientId);
  if (!event || !id || !name || !clientId) return null;

  const href = str(obj(obj(obj(event.context)?.document)?.location)?.href);
  const trimmed: TrimmedEvent = {
    id,
    name,
    clientId,
    timestamp: str(event.timestamp) ?? "",
    context: { document: { location: reduceUrl(href ?? "") } },
    data: {},
  };
  const seq = num(event.seq);
  if (seq !== null) trimmed.seq = seq;
  const type = str(event.type);
  if (type !== null) trimmed.type = type;

  const data = obj(event.data);
  if (!data) return trimmed;
  const productVariant = variant(data.productVariant);
  if (productVariant) trimmed.data.productVariant = productVariant;

  const line = obj(data.cartLine);
  const merchandise = variant(line?.merchandise);
  if (line && merchandise) {
    trimmed.data.cartLine = { quantity: num(line.quantity) ?? 0, merchandise };
    const cost = money(obj(line.cost)?.totalAmount);
    if (cost) trimmed.data.cartLine.cost = { totalAmount: cost };
  }

  const checkout = obj(data.checkout);
  if (checkout) {
    const order = obj(checkout.order);
    const lines = Array.isArray(checkout.lineItems) ? checkout.lineItems : [];
    trimmed.data.checkout = {
      token: str(checkout.token),
      order: order ? { id: str(order.id) } : null,
      currencyCode: str(checkout.currencyCode),
      totalPrice: money(checkout.totalPrice),
      lineItems: lines.map((item) => ({ quantity: num(obj(item)?.quantity) ?? 0, variant: variant(obj(item)?.variant) })),
    };
  }

  const collection = obj(data.collection);
  if (collection) trimmed.data.collection = { id: str(collection.id) };
  const cart = obj(data.cart);
  if (cart) trimmed.data.cart = { id: cartId(cart.id) };
  return trimmed;
}
