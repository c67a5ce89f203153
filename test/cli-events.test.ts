import { describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import type { PixelEventInput } from "../app/services/events/schema";
import { applyPixelBatch } from "../app/services/signals/pixel.server";
import { captureCli } from "./support/cli";
import { installTestShop, uniqueShop } from "./support/shopify";

const NOW = new Date("2026-12-05T12:30:00Z");
const clock = { now: () => NOW };

function event(eventId: string, clientId: string, name: PixelEventInput["name"], occurredAt: string, extra: Partial<PixelEventInput> = {}): PixelEventInput {
  return {
    eventId,
    clientId,
    name,
    occurredAt: new Date(occurredAt),
    pagePath: "/products/wax",
    productGid: null,
    variantGid: null,
    quantity: null,
    price: null,
    currency: null,
    cartToken: null,
    checkoutToken: null,
    orderGid: null,
    ...extra,
  };
}

async function shopWithEvents() {
  const shop = uniqueShop("cli-events");
  await installTestShop(shop);
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  await applyPixelBatch({ db, clock }, row, [
    event("e1", "visitor-a", "page_viewed", "2026-12-05T10:05:00Z"),
    event("e2", "visitor-a", "product_added_to_cart", "2026-12-05T10:06:00Z", {
      productGid: "gid://shopify/Product/1",
      variantGid: "gid://shopify/ProductVariant/11",
      quantity: 2,
      price: 1250,
      currency: "USD",
      cartToken: "cart-1",
    }),
    event("e3", "visitor-b", "page_viewed", "2026-12-05T10:40:00Z"),
    event("e4", "visitor-a", "checkout_completed", "2026-12-05T11:15:00Z", { checkoutToken: "chk-1", orderGid: "gid://shopify/Order/7" }),
    // Older than the default day: only with --days 2.
    event("e5", "visitor-b", "page_viewed", "2026-12-04T09:00:00Z"),
  ]);
  return { shop, shopId: row.id };
}

async function run(argv: string[]) {
  const cli = captureCli();
  const code = await runCli(argv, { ...cli.io, clock });
  return { code, ...cli };
}

describe("npm run roost events:counts", () => {
  it("prints events per name per hour over the last day as JSON, with totals", async () => {
    const { shop } = await shopWithEvents();

    const { code, json, stderr } = await run(["events:counts", "--shop", shop, "--json"]);

    expect(code).toBe(0);
    expect(stderr()).toBe("");
    expect(json()).toEqual({
      shop,
      since: "2026-12-04T12:00:00.000Z",
      hours: [
        { hour: "2026-12-05T10:00:00.000Z", name: "page_viewed", count: 2 },
        { hour: "2026-12-05T10:00:00.000Z", name: "product_added_to_cart", count: 1 },
        { hour: "2026-12-05T11:00:00.000Z", name: "checkout_completed", count: 1 },
      ],
      totals: { checkout_completed: 1, page_viewed: 2, product_added_to_cart: 1 },
    });

    const text = await run(["events:counts", "--shop", shop]);
    expect(text.stdout()).toBe(
      [
        `${shop}: storefront events since 2026-12-04T12:00:00.000Z`,
        "",
        "HOUR                      EVENT                  COUNT",
        "2026-12-05T10:00:00.000Z  page_viewed            2",
        "2026-12-05T10:00:00.000Z  product_added_to_cart  1",
        "2026-12-05T11:00:00.000Z  checkout_completed     1",
        "",
        "totals: checkout_completed 1, page_viewed 2, product_added_to_cart 1",
        "",
      ].join("\n"),
    );
  });

  it("widens with --days and refuses a bad --days on stderr", async () => {
    const { shop } = await shopWithEvents();
    const wide = await run(["events:counts", "--shop", shop, "--days", "2", "--json"]);
    expect(wide.json().totals).toEqual({ checkout_completed: 1, page_viewed: 3, product_added_to_cart: 1 });
    expect(wide.json().hours[0]).toEqual({ hour: "2026-12-04T09:00:00.000Z", name: "page_viewed", count: 1 });

    const bad = await run(["events:counts", "--shop", shop, "--days", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr()).toBe("error: --days must be a whole number from 1 to 366\n");
    expect(bad.stdout()).toBe("");
  });
});

describe("npm run roost visitors:show", () => {
  it("prints a visitor's events and its link to a customer as JSON", async () => {
    const { shop, shopId } = await shopWithEvents();
    // What identity writes once a signed checkout webhook names the customer for chk-1.
    await db.visitorLink.create({ data: { shopId, clientId: "visitor-a", customerGid: "gid://shopify/Customer/42", checkoutToken: "chk-1", linkedAt: new Date("2026-12-05T11:16:00Z") } });

    const { code, json } = await run(["visitors:show", "--shop", shop, "--client-id", "visitor-a", "--json"]);

    expect(code).toBe(0);
    const { visitor } = json();
    expect(json().shop).toBe(shop);
    expect({ ...visitor, events: undefined }).toEqual({
      clientId: "visitor-a",
      eventCount: 3,
      firstSeenAt: "2026-12-05T10:05:00.000Z",
      lastSeenAt: "2026-12-05T11:15:00.000Z",
      link: { customerGid: "gid://shopify/Customer/42", checkoutToken: "chk-1", linkedAt: "2026-12-05T11:16:00.000Z", memberId: null, email: null },
      events: undefined,
    });
    expect(visitor.events.map((entry: { eventId: string }) => entry.eventId)).toEqual(["e1", "e2", "e4"]);
    expect(visitor.events[1]).toEqual({
      eventId: "e2",
      name: "product_added_to_cart",
      occurredAt: "2026-12-05T10:06:00.000Z",
      receivedAt: NOW.toISOString(),
      pagePath: "/products/wax",
      productGid: "gid://shopify/Product/1",
      variantGid: "gid://shopify/ProductVariant/11",
      quantity: 2,
      price: 1250,
      currency: "USD",
      stockAtIngest: null,
      lowStockAtIngest: null,
      cartToken: "cart-1",
      checkoutToken: null,
      orderGid: null,
    });
  });

  it("shows an unlinked visitor with link null, and keeps the newest --limit events", async () => {
    const { shop } = await shopWithEvents();
    const { code, json } = await run(["visitors:show", "--shop", shop, "--client-id", "visitor-b", "--limit", "1", "--json"]);
    expect(code).toBe(0);
    expect(json().visitor).toMatchObject({ clientId: "visitor-b", eventCount: 2, link: null, firstSeenAt: "2026-12-04T09:00:00.000Z" });
    expect(json().visitor.events.map((entry: { eventId: string }) => entry.eventId)).toEqual(["e3"]);
  });

  it("refuses an unknown client id and a missing one on stderr, with a non-zero exit", async () => {
    const { shop } = await shopWithEvents();
    const unknown = await run(["visitors:show", "--shop", shop, "--client-id", "nobody", "--json"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr()).toBe(`error: No visitor with client id nobody in ${shop}\n`);
    expect(unknown.stdout()).toBe("");

    const missing = await run(["visitors:show", "--shop", shop]);
    expect(missing.code).toBe(1);
    expect(missing.stderr()).toBe("error: visitors:show needs --client-id <id>\n");
  });

  it("keeps each shop's visitors apart", async () => {
    await shopWithEvents();
    const other = uniqueShop("cli-events");
    await installTestShop(other);
    const { code, stderr } = await run(["visitors:show", "--shop", other, "--client-id", "visitor-a"]);
    expect(code).toBe(1);
    expect(stderr()).toMatch(/No visitor with client id visitor-a/);
  });
});
