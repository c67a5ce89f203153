// Standard events as Shopify's analytics.subscribe hands them over (documented shape), with
// the personal data a real checkout carries, so tests can assert none of it leaves.

let counter = 0;

export const PII = {
  email: "ada.lovelace@example.com",
  phone: "+44 20 7946 0958",
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "12 Analytical Row",
  city: "Marylebone",
  zip: "NW1 6XE",
  customerId: "gid://shopify/Customer/900100200",
  search: "secret birthday present",
  cartKey: "c0ffee5ecret",
  queryEmail: "ada%40example.com",
};

function context(path = "/products/kettle", query = "") {
  const href = `https://shop.example.com${path}${query}`;
  return {
    document: {
      location: { href, pathname: path, search: query, hash: "", host: "shop.example.com", origin: "https://shop.example.com" },
      referrer: `https://mail.example.com/?to=${PII.email}`,
      title: `Hello ${PII.firstName}`,
      characterSet: "UTF-8",
    },
    navigator: { language: "en", cookieEnabled: true, userAgent: "Mozilla/5.0" },
    window: { innerHeight: 800, innerWidth: 1200 },
  };
}

function base(clientId: string, path?: string, query?: string) {
  counter += 1;
  return {
    id: `sh-${counter}-${clientId}`,
    clientId,
    timestamp: new Date(Date.UTC(2026, 11, 5, 8, 0, counter % 60)).toISOString(),
    seq: counter,
    type: "standard",
    context: context(path, query),
  };
}

export function variant(id = "41000000001", amount = 24.5, productId = "7000000001") {
  return {
    id,
    sku: "KET-1",
    title: "Copper",
    untranslatedTitle: "Copper",
    image: { src: "https://cdn.example.com/k.png" },
    price: { amount, currencyCode: "EUR" },
    product: { id: productId, title: "Kettle", vendor: "Roost Test", type: "Kitchen", untranslatedTitle: "Kettle", url: "/products/kettle" },
  };
}

export function pageViewed(clientId: string, query = "") {
  return { ...base(clientId, "/collections/all", query), data: {} };
}

export function productViewed(clientId: string, query = "") {
  return { ...base(clientId, "/products/kettle", query), data: { productVariant: variant() } };
}

export function addedToCart(clientId: string, quantity = 3) {
  const v = variant("41000000002", 10.1);
  return {
    ...base(clientId, "/products/kettle"),
    data: { cartLine: { quantity, merchandise: v, cost: { totalAmount: { amount: 30.3, currencyCode: "EUR" } } } },
  };
}

export function collectionViewed(clientId: string) {
  return {
    ...base(clientId, "/collections/kitchen"),
    data: { collection: { id: "gid://shopify/Collection/55", title: "Kitchen", productVariants: [variant()] } },
  };
}

export function searchSubmitted(clientId: string) {
  return {
    ...base(clientId, "/search", `?q=${encodeURIComponent(PII.search)}`),
    data: { searchResult: { query: PII.search, productVariants: [variant()] } },
  };
}

export function cartViewed(clientId: string) {
  return {
    ...base(clientId, "/cart"),
    data: { cart: { id: `gid://shopify/Cart/Z2NwLWV1?key=${PII.cartKey}`, totalQuantity: 1, lines: [], cost: { totalAmount: { amount: 1, currencyCode: "EUR" } } } },
  };
}

const address = {
  firstName: PII.firstName,
  lastName: PII.lastName,
  address1: PII.address1,
  city: PII.city,
  zip: PII.zip,
  phone: PII.phone,
  country: "United Kingdom",
};

export function checkout(name: string, clientId: string, options: { lines?: number; orderId?: string | null; token?: string } = {}) {
  const lines = options.lines ?? 2;
  return {
    ...base(clientId, "/checkouts/cn/tok-1/information", `?email=${PII.queryEmail}&utm_source=newsletter&utm_campaign=dec`),
    data: {
      checkout: {
        token: options.token ?? `tok-${clientId}`,
        email: PII.email,
        phone: PII.phone,
        smsMarketingPhone: PII.phone,
        billingAddress: address,
        shippingAddress: address,
        currencyCode: "EUR",
        totalPrice: { amount: 61.25, currencyCode: "EUR" },
        subtotalPrice: { amount: 55, currencyCode: "EUR" },
        attributes: [{ key: "gift note", value: `For ${PII.firstName}` }],
        order: options.orderId === null ? null : { id: options.orderId ?? "5000000001", customer: { id: PII.customerId, isFirstOrder: true } },
        lineItems: Array.from({ length: lines }, (_, i) => ({
          id: `line-${i}`,
          quantity: i + 1,
          title: `Kettle ${i}`,
          properties: [{ key: "engraving", value: PII.lastName }],
          variant: variant(String(41000000100 + i), 12.25, String(7000000100 + i)),
        })),
      },
    },
  };
}
