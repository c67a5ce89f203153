import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { BATCH_SIZE, FLUSH_DELAY_MS, MAX_BODY_BYTES, RETRY_DELAY_MS, SUBSCRIBED_EVENTS } from "../../extensions/roost-pixel/src/pixel";
import { sampledIn } from "../../extensions/roost-pixel/src/sampling";
import { addedToCart, cartViewed, checkout, collectionViewed, pageViewed, PII, productViewed, searchSubmitted } from "./events";
import { ALL_CONSENT, ANALYTICS_ONLY, ENDPOINT, FakeFetch, FakeStorage, NO_CONSENT, openPage, ORG_ID, settle, storedEvents } from "./harness";

const settings = (overrides: Record<string, string> = {}) => ({
  orgId: ORG_ID,
  apiEndpoint: ENDPOINT,
  samplingRate: "",
  enableConsoleLogging: "",
  metaPixelId: "",
  ...overrides,
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("subscriptions", () => {
  it("subscribes to every standard event Roost uses", () => {
    const page = openPage();
    expect(page.subscribed.sort()).toEqual([...SUBSCRIBED_EVENTS].sort());
    expect(page.subscribed).toHaveLength(13);
  });

  it("without an orgId does nothing: no subscription, no request", async () => {
    const page = openPage({ settings: settings({ orgId: "", enableConsoleLogging: "true" }) });
    expect(page.pixel).toBeNull();
    expect(page.subscribed).toEqual([]);
    expect(page.logs.flat().join(" ")).toContain("orgId");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(page.fetch.calls).toEqual([]);
  });

  it("without an apiEndpoint sends nothing and says so when logging is on", async () => {
    const page = openPage({ settings: settings({ apiEndpoint: "", enableConsoleLogging: "true" }) });
    page.publish("page_viewed", pageViewed("c1"));
    await settle(page, 10_000);
    expect(page.fetch.calls).toEqual([]);
    expect(page.logs.flat().join(" ")).toContain("no apiEndpoint");
  });
});

describe("batching", () => {
  it("sends at the 20th event, in one body with the orgId, Shopify's shape and fetch keepalive", async () => {
    const page = openPage();
    for (let i = 0; i < BATCH_SIZE - 1; i++) page.publish("page_viewed", pageViewed("c1"));
    await settle(page);
    expect(page.fetch.calls).toHaveLength(0);

    page.publish("product_viewed", productViewed("c1"));
    await settle(page);
    const posts = page.fetch.posts();
    expect(posts).toHaveLength(1);
    expect(posts[0].body.orgId).toBe(ORG_ID);
    expect(posts[0].body.events).toHaveLength(20);
    expect(posts[0].call.init).toMatchObject({ method: "POST", keepalive: true, headers: { "content-type": "text/plain;charset=UTF-8" } });
    const viewed = posts[0].body.events[19];
    expect(viewed).toMatchObject({
      name: "product_viewed",
      clientId: "c1",
      type: "standard",
      context: { document: { location: { href: "https://shop.example.com/products/kettle", pathname: "/products/kettle", search: "" } } },
      data: { productVariant: { id: "41000000001", price: { amount: 24.5, currencyCode: "EUR" }, product: { id: "7000000001" } } },
    });
    expect(typeof viewed.id).toBe("string");
    expect(typeof viewed.seq).toBe("number");
    expect(typeof viewed.timestamp).toBe("string");
    // Sent and acknowledged: nothing left for the next page.
    expect(storedEvents(page.storage)).toEqual([]);
  });

  it("sends what waits after 2 s", async () => {
    const page = openPage();
    page.publish("page_viewed", pageViewed("c1"));
    await settle(page, 1_000);
    page.publish("product_viewed", productViewed("c1"));
    page.publish("product_added_to_cart", addedToCart("c1"));
    await settle(page, FLUSH_DELAY_MS - 1_000 - 1);
    expect(page.fetch.calls).toHaveLength(0);
    await settle(page, 1);
    expect(page.fetch.posts().map((post) => post.body.events.map((event) => event.name))).toEqual([
      ["page_viewed", "product_viewed", "product_added_to_cart"],
    ]);
    // The timer starts again with the next event only.
    await settle(page, 10_000);
    expect(page.fetch.calls).toHaveLength(1);
    page.publish("cart_viewed", cartViewed("c1"));
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.posts()).toHaveLength(2);
  });

  it("splits a flush into bodies under 60 KiB, every event sent once", async () => {
    const page = openPage();
    // Checkouts with 150 lines: each event is several KiB, twenty of them far over 60 KiB.
    const sent = Array.from({ length: BATCH_SIZE }, (_, i) => checkout("checkout_started", `c${i}`, { lines: 150 }));
    for (const event of sent) page.publish("checkout_started", event);
    await settle(page);
    const posts = page.fetch.posts();
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) {
      expect(new TextEncoder().encode(String(post.call.init.body)).length).toBeLessThan(MAX_BODY_BYTES);
      expect(post.body.orgId).toBe(ORG_ID);
    }
    expect(page.fetch.postedEvents().map((event) => event.id)).toEqual(sent.map((event) => event.id));
    expect(page.fetch.postedEvents().every((event) => event.data.checkout.lineItems.length === 150)).toBe(true);
  });

  it("a single checkout too large for one body keeps its token and as many lines as fit", async () => {
    const page = openPage();
    page.publish("checkout_completed", checkout("checkout_completed", "c1", { lines: 2_000, token: "tok-huge" }));
    await settle(page, FLUSH_DELAY_MS);
    const posts = page.fetch.posts();
    expect(posts).toHaveLength(1);
    expect(new TextEncoder().encode(String(posts[0].call.init.body)).length).toBeLessThan(MAX_BODY_BYTES);
    const event = posts[0].body.events[0];
    expect(event.data.checkout.token).toBe("tok-huge");
    expect(event.data.checkout.lineItems.length).toBeGreaterThan(100);
    expect(event.data.checkout.lineItems.length).toBeLessThan(2_000);
  });
});

describe("consent", () => {
  it("sends nothing without analytics consent, and stores nothing", async () => {
    const page = openPage({ consent: NO_CONSENT });
    for (let i = 0; i < 25; i++) page.publish("page_viewed", pageViewed("c1"));
    page.publish("checkout_completed", checkout("checkout_completed", "c1"));
    await settle(page, 10_000);
    expect(page.fetch.calls).toEqual([]);
    expect(page.storage.items.size).toBe(0);
  });

  it("consent given later starts sending; events from before it are dropped, not queued", async () => {
    const page = openPage({ consent: NO_CONSENT });
    const before = productViewed("c1");
    page.publish("product_viewed", before);
    await settle(page, FLUSH_DELAY_MS);
    page.giveConsent({ analyticsProcessingAllowed: true });
    const after = productViewed("c1");
    page.publish("product_viewed", after);
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.postedEvents().map((event) => event.id)).toEqual([after.id]);
  });

  it("consent withdrawn drops what waits, in memory and in localStorage", async () => {
    const page = openPage({ consent: ANALYTICS_ONLY });
    page.publish("page_viewed", pageViewed("c1"));
    await settle(page);
    expect(storedEvents(page.storage)).toHaveLength(1);
    page.giveConsent({ analyticsProcessingAllowed: false });
    page.publish("page_viewed", pageViewed("c1"));
    await settle(page, 10_000);
    expect(page.fetch.calls).toEqual([]);
    expect(page.storage.items.size).toBe(0);
  });

  it("a page without analytics consent discards what an earlier page left unsent", async () => {
    const storage = new FakeStorage();
    const first = openPage({ storage });
    first.publish("page_viewed", pageViewed("c1"));
    await settle(first);
    expect(storedEvents(storage)).toHaveLength(1);

    vi.clearAllTimers(); // the visitor left before the flush
    const second = openPage({ storage, consent: NO_CONSENT, fetch: first.fetch });
    await settle(second, 10_000);
    expect(second.fetch.calls).toEqual([]);
    expect(storage.items.size).toBe(0);
  });
});

describe("carry-over to the next page", () => {
  it("events not yet sent wait in localStorage and go with the next page's first flush", async () => {
    const storage = new FakeStorage();
    const fetch = new FakeFetch();
    const first = openPage({ storage, fetch });
    const earlier = [pageViewed("c1"), productViewed("c1"), addedToCart("c1")];
    first.publish("page_viewed", earlier[0]);
    first.publish("product_viewed", earlier[1]);
    first.publish("product_added_to_cart", earlier[2]);
    await settle(first, 500); // the visitor navigates before the 2 s flush
    expect(fetch.calls).toEqual([]);
    expect(storedEvents(storage).map((event) => event.id)).toEqual(earlier.map((event) => event.id));

    vi.clearAllTimers(); // the old page is gone, its timer with it
    const second = openPage({ storage, fetch });
    const next = pageViewed("c1");
    second.publish("page_viewed", next);
    await settle(second, FLUSH_DELAY_MS);
    const posts = fetch.posts();
    expect(posts).toHaveLength(1);
    expect(posts[0].body.events.map((event) => event.id)).toEqual([...earlier, next].map((event) => event.id));
    expect(storage.items.size).toBe(0);
  });
});

describe("sending and retries", () => {
  it("retries once after a network error", async () => {
    const page = openPage();
    let calls = 0;
    page.fetch.respond = () => {
      calls += 1;
      if (calls === 1) throw new TypeError("Failed to fetch");
      return { ok: true, status: 200 };
    };
    page.publish("page_viewed", pageViewed("c1"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(page.fetch.posts()).toHaveLength(1);
    await settle(page, RETRY_DELAY_MS);
    expect(page.fetch.posts()).toHaveLength(2);
    expect(page.fetch.posts()[1].call.init.body).toBe(page.fetch.posts()[0].call.init.body);
    expect(page.storage.items.size).toBe(0);
  });

  it("retries a 5xx once only; the batch then waits in localStorage for the next page", async () => {
    const storage = new FakeStorage();
    const page = openPage({ storage });
    page.fetch.respond = () => ({ ok: false, status: 503 });
    const event = pageViewed("c1");
    page.publish("page_viewed", event);
    await settle(page, FLUSH_DELAY_MS + RETRY_DELAY_MS);
    await settle(page, 60_000);
    expect(page.fetch.posts()).toHaveLength(2);
    expect(storedEvents(storage).map((stored) => stored.id)).toEqual([event.id]);

    // Another event on the same page does not resend the failed batch.
    page.fetch.respond = () => ({ ok: true, status: 200 });
    const later = pageViewed("c1");
    page.publish("page_viewed", later);
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.posts()[2].body.events.map((sent) => sent.id)).toEqual([later.id]);

    vi.clearAllTimers();
    const next = openPage({ storage, fetch: page.fetch });
    next.publish("page_viewed", pageViewed("c1"));
    await settle(next, FLUSH_DELAY_MS);
    expect(page.fetch.posts()[3].body.events[0].id).toBe(event.id);
    expect(storage.items.size).toBe(0);
  });

  it("does not retry a 4xx: the batch is dropped", async () => {
    const page = openPage();
    page.fetch.respond = () => ({ ok: false, status: 400 });
    page.publish("page_viewed", pageViewed("c1"));
    await settle(page, FLUSH_DELAY_MS + RETRY_DELAY_MS * 5);
    expect(page.fetch.posts()).toHaveLength(1);
    expect(page.storage.items.size).toBe(0);
  });

  it("a 429 is not retried at once; the batch waits for the next page", async () => {
    const page = openPage();
    page.fetch.respond = () => ({ ok: false, status: 429 });
    const event = pageViewed("c1");
    page.publish("page_viewed", event);
    await settle(page, FLUSH_DELAY_MS + RETRY_DELAY_MS * 5);
    expect(page.fetch.posts()).toHaveLength(1);
    expect(storedEvents(page.storage).map((stored) => stored.id)).toEqual([event.id]);
  });

  it("sends the bodies of one flush one after another (keepalive requests share 64 KiB)", async () => {
    const page = openPage();
    let open = 0;
    let most = 0;
    page.fetch.respond = async () => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 50));
      open -= 1;
      return { ok: true, status: 200 };
    };
    for (let i = 0; i < BATCH_SIZE; i++) page.publish("checkout_started", checkout("checkout_started", `c${i}`, { lines: 150 }));
    await settle(page, 1_000);
    expect(page.fetch.posts().length).toBeGreaterThan(1);
    expect(most).toBe(1);
  });
});

describe("sampling", () => {
  const clientIds = Array.from({ length: 4_000 }, (_, i) => `client-${i}-${(i * 2654435761) % 100_000}`);

  it("keeps about the sampling rate of visitors", () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      const kept = clientIds.filter((id) => sampledIn(id, rate)).length / clientIds.length;
      expect(Math.abs(kept - rate)).toBeLessThan(0.03);
    }
    expect(clientIds.every((id) => sampledIn(id, 1))).toBe(true);
    expect(clientIds.some((id) => sampledIn(id, 0))).toBe(false);
  });

  it("the same visitor is always in or always out, page after page", async () => {
    const inside = clientIds.find((id) => sampledIn(id, 0.5)) as string;
    const outside = clientIds.find((id) => !sampledIn(id, 0.5)) as string;
    const fetch = new FakeFetch();
    const storage = new FakeStorage();
    for (let pageNumber = 0; pageNumber < 5; pageNumber++) {
      const page = openPage({ settings: settings({ samplingRate: "0.5" }), fetch, storage });
      page.publish("page_viewed", pageViewed(inside));
      page.publish("page_viewed", pageViewed(outside));
      page.publish("product_viewed", productViewed(outside));
      await settle(page, FLUSH_DELAY_MS);
      vi.clearAllTimers();
    }
    const clients = fetch.postedEvents().map((event) => event.clientId);
    expect(clients).toEqual(Array(5).fill(inside));
  });

  it("checkout events are never sampled out", async () => {
    const page = openPage({ settings: settings({ samplingRate: "0" }) });
    page.publish("page_viewed", pageViewed("c1"));
    page.publish("product_added_to_cart", addedToCart("c1"));
    const kept = [
      "checkout_started",
      "checkout_contact_info_submitted",
      "checkout_address_info_submitted",
      "checkout_shipping_info_submitted",
      "payment_info_submitted",
      "checkout_completed",
    ];
    for (const name of kept) page.publish(name, checkout(name, "c1"));
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.postedEvents().map((event) => event.name)).toEqual(kept);
  });
});

describe("trimming", () => {
  it("no names, emails, phones, addresses, customer ids or search text in any body; URLs keep only utm_*", async () => {
    const page = openPage();
    const clientId = "c-trim";
    page.publish("page_viewed", pageViewed(clientId, `?email=${PII.queryEmail}&utm_source=mail&ref=${PII.firstName}#${PII.lastName}`));
    page.publish("product_viewed", productViewed(clientId, "?variant=41000000001"));
    page.publish("collection_viewed", collectionViewed(clientId));
    page.publish("search_submitted", searchSubmitted(clientId));
    page.publish("product_added_to_cart", addedToCart(clientId));
    page.publish("cart_viewed", cartViewed(clientId));
    for (const name of ["checkout_started", "checkout_contact_info_submitted", "checkout_address_info_submitted", "payment_info_submitted", "checkout_completed"]) {
      page.publish(name, checkout(name, clientId));
    }
    await settle(page, FLUSH_DELAY_MS);
    const bodies = page.fetch.posts().map((post) => String(post.call.init.body));
    expect(bodies.length).toBeGreaterThan(0);
    const all = bodies.join("\n");
    for (const secret of [PII.email, PII.phone, PII.firstName, PII.lastName, PII.address1, PII.city, PII.zip, PII.customerId, PII.search, PII.cartKey, PII.queryEmail, "ada", "Lovelace", "Kettle 0", "engraving", "gift note", "referrer", "title", "sku"]) {
      expect(all, secret).not.toContain(secret);
    }

    const events = page.fetch.postedEvents();
    const byName = (name: string) => events.find((event) => event.name === name)!;
    expect(byName("page_viewed").context.document.location).toEqual({
      href: "https://shop.example.com/collections/all?utm_source=mail",
      pathname: "/collections/all",
      search: "?utm_source=mail",
    });
    expect(byName("product_viewed").context.document.location.href).toBe("https://shop.example.com/products/kettle");
    expect(byName("search_submitted").data).toEqual({});
    expect(byName("collection_viewed").data).toEqual({ collection: { id: "gid://shopify/Collection/55" } });
    expect(byName("cart_viewed").data).toEqual({ cart: { id: "gid://shopify/Cart/Z2NwLWV1" } });
    expect(byName("product_added_to_cart").data.cartLine).toEqual({
      quantity: 3,
      merchandise: { id: "41000000002", price: { amount: 10.1, currencyCode: "EUR" }, product: { id: "7000000001" } },
      cost: { totalAmount: { amount: 30.3, currencyCode: "EUR" } },
    });
    expect(byName("checkout_completed").data).toEqual({
      checkout: {
        token: `tok-${clientId}`,
        order: { id: "5000000001" },
        currencyCode: "EUR",
        totalPrice: { amount: 61.25, currencyCode: "EUR" },
        lineItems: [
          { quantity: 1, variant: { id: "41000000100", price: { amount: 12.25, currencyCode: "EUR" }, product: { id: "7000000100" } } },
          { quantity: 2, variant: { id: "41000000101", price: { amount: 12.25, currencyCode: "EUR" }, product: { id: "7000000101" } } },
        ],
      },
    });
    expect(byName("checkout_completed").context.document.location.href).toBe(
      "https://shop.example.com/checkouts/cn/tok-1/information?utm_source=newsletter&utm_campaign=dec",
    );
  });
});

describe("Meta forwarding", () => {
  const metaSettings = settings({ metaPixelId: "1234567890123" });

  function metaParams(url: string) {
    const parsed = new URL(url);
    return Object.fromEntries(parsed.searchParams.entries());
  }

  it("with marketing consent: ViewContent, AddToCart and Purchase as Meta's pixel sends them", async () => {
    const page = openPage({ settings: metaSettings, consent: ALL_CONSENT });
    const viewed = productViewed("c1");
    const added = addedToCart("c1");
    const bought = checkout("checkout_completed", "c1", { lines: 2 });
    page.publish("page_viewed", pageViewed("c1"));
    page.publish("product_viewed", viewed);
    page.publish("product_added_to_cart", added);
    page.publish("checkout_started", checkout("checkout_started", "c1"));
    page.publish("checkout_completed", bought);
    await settle(page, FLUSH_DELAY_MS);

    const calls = page.fetch.metaCalls();
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.url.startsWith("https://www.facebook.com/tr/?")).toBe(true);
      expect(call.init).toMatchObject({ mode: "no-cors", keepalive: true });
      expect(call.init.body).toBeUndefined();
    }
    expect(metaParams(calls[0].url)).toEqual({
      id: "1234567890123",
      ev: "ViewContent",
      eid: viewed.id,
      "cd[value]": "24.5",
      "cd[currency]": "EUR",
      "cd[content_ids]": '["41000000001"]',
      "cd[content_type]": "product",
      noscript: "1",
    });
    expect(metaParams(calls[1].url)).toMatchObject({ ev: "AddToCart", eid: added.id, "cd[value]": "30.3", "cd[content_ids]": '["41000000002"]' });
    expect(metaParams(calls[2].url)).toMatchObject({
      ev: "Purchase",
      eid: bought.id,
      "cd[value]": "61.25",
      "cd[currency]": "EUR",
      "cd[content_ids]": '["41000000100","41000000101"]',
      "cd[content_type]": "product",
    });
    // Nothing personal goes to Meta either.
    const all = calls.map((call) => decodeURIComponent(call.url)).join(" ");
    for (const secret of [PII.email, PII.phone, PII.firstName, PII.customerId]) expect(all).not.toContain(secret);
    // Roost still gets every event.
    expect(page.fetch.postedEvents()).toHaveLength(5);
  });

  it("without marketing consent nothing goes to Meta", async () => {
    const page = openPage({ settings: metaSettings, consent: ANALYTICS_ONLY });
    page.publish("product_viewed", productViewed("c1"));
    page.publish("product_added_to_cart", addedToCart("c1"));
    page.publish("checkout_completed", checkout("checkout_completed", "c1"));
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.metaCalls()).toEqual([]);
    expect(page.fetch.postedEvents()).toHaveLength(3);
  });

  it("a visitor who opted out of the sale of data is not forwarded either", async () => {
    const page = openPage({ settings: metaSettings, consent: { ...ALL_CONSENT, saleOfDataAllowed: false } });
    page.publish("product_viewed", productViewed("c1"));
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.metaCalls()).toEqual([]);
  });

  it("marketing consent given later starts forwarding; withdrawn stops it", async () => {
    const page = openPage({ settings: metaSettings, consent: ANALYTICS_ONLY });
    page.publish("product_viewed", productViewed("c1"));
    page.giveConsent({ marketingAllowed: true });
    const later = productViewed("c1");
    page.publish("product_viewed", later);
    page.giveConsent({ marketingAllowed: false });
    page.publish("product_viewed", productViewed("c1"));
    await settle(page, FLUSH_DELAY_MS);
    expect(page.fetch.metaCalls().map((call) => metaParams(call.url).eid)).toEqual([later.id]);
  });

  it("without a metaPixelId (or with an invalid one) nothing goes to Meta", async () => {
    for (const metaPixelId of ["", "not-a-pixel"]) {
      const page = openPage({ settings: settings({ metaPixelId }), consent: ALL_CONSENT });
      page.publish("product_viewed", productViewed("c1"));
      await settle(page, FLUSH_DELAY_MS);
      expect(page.fetch.metaCalls()).toEqual([]);
    }
  });
});

describe("console logging", () => {
  it("logs only when enableConsoleLogging is \"true\"", async () => {
    for (const [flag, expected] of [["true", true], ["", false], ["yes", false], ["TRUE ", false]] as const) {
      const page = openPage({ settings: settings({ enableConsoleLogging: flag }), consent: NO_CONSENT });
      page.publish("page_viewed", pageViewed("c1"));
      await settle(page, FLUSH_DELAY_MS);
      expect(page.logs.length > 0, `enableConsoleLogging=${JSON.stringify(flag)}`).toBe(expected);
    }
  });
});
