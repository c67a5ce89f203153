import { describe, expect, it } from "vitest";
import { orderEligible, refundEligible } from "../../app/services/mirror/eligible";
import {
  customerFromGraphql,
  fulfillmentStatusFromGraphql,
  graphqlCustomer,
  graphqlInventoryLevel,
  graphqlLineItem,
  graphqlOrder,
  graphqlProduct,
  graphqlRefund,
  GraphqlShapeError,
  graphqlVariant,
  inventoryLevelFromGraphql,
  orderFromGraphql,
  parseNode,
  productFromGraphql,
  refundFromGraphql,
} from "../../app/services/mirror/graphql";

const money = (amount: string, currencyCode = "USD") => ({ shopMoney: { amount, currencyCode } });

const orderNode = {
  id: "gid://shopify/Order/1",
  name: "#1001",
  email: null,
  createdAt: "2026-10-01T10:00:00Z",
  updatedAt: "2026-10-02T11:00:00Z",
  processedAt: "2026-10-01T10:00:01Z",
  cancelledAt: null,
  test: false,
  sourceName: "web",
  currencyCode: "EUR",
  taxesIncluded: true,
  displayFinancialStatus: "PARTIALLY_REFUNDED",
  displayFulfillmentStatus: "PARTIALLY_FULFILLED",
  customer: { id: "gid://shopify/Customer/7", firstName: "Ada", lastName: "L", defaultEmailAddress: { emailAddress: " Ada@Example.COM " } },
  totalShippingPriceSet: money("4.90", "EUR"),
  refunds: [{ id: "gid://shopify/Refund/9", createdAt: "2026-10-02T11:00:00Z" }],
};

const lineNodes = [
  {
    id: "gid://shopify/LineItem/11",
    title: "Board",
    quantity: 3,
    isGiftCard: false,
    variant: { id: "gid://shopify/ProductVariant/21" },
    product: { id: "gid://shopify/Product/31" },
    originalUnitPriceSet: money("19.99", "EUR"),
    discountAllocations: [{ allocatedAmountSet: money("5.00", "EUR") }, { allocatedAmountSet: money("0.97", "EUR") }],
    taxLines: [{ priceSet: money("9.00", "EUR") }, { priceSet: money("0.57", "EUR") }],
  },
  {
    id: "gid://shopify/LineItem/12",
    title: "Gift card",
    quantity: 1,
    isGiftCard: true,
    variant: null,
    product: null,
    originalUnitPriceSet: money("50.00", "EUR"),
    discountAllocations: [],
    taxLines: [],
  },
];

describe("Admin GraphQL → mirror records", () => {
  it("converts an order exactly: shop money in minor units, statuses in REST's words, the customer's email", () => {
    const order = orderFromGraphql(
      parseNode(graphqlOrder, orderNode, "Order"),
      lineNodes.map((line) => parseNode(graphqlLineItem, line, "LineItem")),
    );
    expect(order).toEqual({
      gid: "gid://shopify/Order/1",
      name: "#1001",
      customer: { gid: "gid://shopify/Customer/7", email: "ada@example.com", firstName: "Ada", lastName: "L" },
      email: "ada@example.com",
      checkoutToken: null,
      financialStatus: "partially_refunded",
      fulfillmentStatus: "partial",
      processedAt: new Date("2026-10-01T10:00:01Z"),
      cancelledAt: null,
      test: false,
      sourceName: "web",
      currency: "EUR",
      taxesIncluded: true,
      shippingAmount: 490,
      lines: [
        {
          gid: "gid://shopify/LineItem/11",
          variantGid: "gid://shopify/ProductVariant/21",
          productGid: "gid://shopify/Product/31",
          title: "Board",
          quantity: 3,
          unitPrice: 1999,
          discount: 597,
          tax: 957,
          giftCard: false,
        },
        { gid: "gid://shopify/LineItem/12", variantGid: null, productGid: null, title: "Gift card", quantity: 1, unitPrice: 5000, discount: 0, tax: 0, giftCard: true },
      ],
      updatedAt: new Date("2026-10-02T11:00:00Z"),
    });
    // 3 × 19.99 − 5.97 − 9.57 (taxes included); the gift card never counts; shipping excluded.
    expect(orderEligible(order)).toEqual({ linesAmount: 4443, eligibleAmount: 4443 });
  });

  it("maps every fulfillment status onto REST's fulfilled / partial / restocked / null", () => {
    expect(["FULFILLED", "PARTIALLY_FULFILLED", "RESTOCKED", "UNFULFILLED", "IN_PROGRESS", null].map(fulfillmentStatusFromGraphql)).toEqual([
      "fulfilled",
      "partial",
      "restocked",
      null,
      null,
      null,
    ]);
  });

  it("converts a refund's lines (subtotal, tax, gift card) and falls back when createdAt is null", () => {
    const node = {
      id: "gid://shopify/Refund/9",
      createdAt: null,
      refundLineItems: {
        nodes: [
          { quantity: 1, subtotalSet: money("18.00", "EUR"), totalTaxSet: money("3.19", "EUR"), lineItem: { id: "gid://shopify/LineItem/11", isGiftCard: false } },
          { quantity: 1, subtotalSet: money("50.00", "EUR"), totalTaxSet: money("0.00", "EUR"), lineItem: { id: "gid://shopify/LineItem/12", isGiftCard: true } },
        ],
        pageInfo: { hasNextPage: false, endCursor: null },
      },
    };
    const fallback = new Date("2026-10-02T11:00:00Z");
    const refund = refundFromGraphql(parseNode(graphqlRefund, node, "Refund"), "gid://shopify/Order/1", fallback);
    expect(refund).toEqual({
      gid: "gid://shopify/Refund/9",
      orderGid: "gid://shopify/Order/1",
      processedAt: fallback,
      lines: [
        { lineGid: "gid://shopify/LineItem/11", quantity: 1, subtotal: 1800, tax: 319, giftCard: false },
        { lineGid: "gid://shopify/LineItem/12", quantity: 1, subtotal: 5000, tax: 0, giftCard: true },
      ],
    });
    expect(refundEligible(refund.lines, true)).toBe(1481);
  });

  it("converts a customer: default email (or the deprecated one), tags, order count, spend in minor units", () => {
    const node = {
      id: "gid://shopify/Customer/7",
      defaultEmailAddress: null,
      email: "OLD@example.com",
      firstName: "Ada",
      lastName: null,
      tags: ["vip", "wholesale"],
      numberOfOrders: "12",
      amountSpent: { amount: "123456", currencyCode: "JPY" },
      updatedAt: "2026-10-02T11:00:00Z",
    };
    expect(customerFromGraphql(parseNode(graphqlCustomer, node, "Customer"))).toEqual({
      gid: "gid://shopify/Customer/7",
      email: "old@example.com",
      firstName: "Ada",
      lastName: null,
      tags: ["vip", "wholesale"],
      ordersCount: 12,
      totalSpent: 123456,
      updatedAt: new Date("2026-10-02T11:00:00Z"),
    });
  });

  it("converts products, variants (prices in the shop currency) and inventory levels", () => {
    const product = parseNode(graphqlProduct, { id: "gid://shopify/Product/31", title: "Board", handle: "board", status: "ACTIVE", updatedAt: "2026-10-02T11:00:00Z" }, "Product");
    const variant = parseNode(
      graphqlVariant,
      { id: "gid://shopify/ProductVariant/21", title: "L", sku: "B-L", price: "1.250", inventoryQuantity: 7, updatedAt: "2026-10-02T10:00:00Z", inventoryItem: { id: "gid://shopify/InventoryItem/41" } },
      "ProductVariant",
    );
    expect(productFromGraphql(product, [variant], "KWD")).toEqual({
      gid: "gid://shopify/Product/31",
      title: "Board",
      handle: "board",
      status: "active",
      updatedAt: new Date("2026-10-02T11:00:00Z"),
      variants: [
        { gid: "gid://shopify/ProductVariant/21", title: "L", sku: "B-L", price: 1250, inventoryItemGid: "gid://shopify/InventoryItem/41", inventoryQuantity: 7, updatedAt: new Date("2026-10-02T10:00:00Z") },
      ],
    });
    const level = parseNode(
      graphqlInventoryLevel,
      { id: "gid://shopify/InventoryLevel/5?inventory_item_id=41", updatedAt: "2026-10-02T09:00:00Z", location: { id: "gid://shopify/Location/3" }, quantities: [{ name: "available", quantity: -2 }] },
      "InventoryLevel",
    );
    expect(inventoryLevelFromGraphql("gid://shopify/InventoryItem/41", level)).toEqual({
      inventoryItemGid: "gid://shopify/InventoryItem/41",
      locationGid: "gid://shopify/Location/3",
      available: -2,
      updatedAt: new Date("2026-10-02T09:00:00Z"),
    });
  });

  it("explains what is wrong with a node it cannot read", () => {
    expect(() => parseNode(graphqlOrder, { ...orderNode, processedAt: "yesterday" }, "Order")).toThrow(GraphqlShapeError);
    expect(() => parseNode(graphqlOrder, { ...orderNode, processedAt: "yesterday" }, "Order")).toThrow(/Order gid:\/\/shopify\/Order\/1 is invalid: processedAt/);
  });
});
