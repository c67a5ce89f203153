import { describe, expect, it } from "vitest";
import { restCheckout, restOrder } from "../../app/services/mirror/rest";
import { PayloadFactory } from "./payloads";

describe("PayloadFactory checkouts", () => {
  it("sends checkouts Roost accepts, each with the token of the order it becomes", () => {
    const factory = new PayloadFactory(["checkouts/create", "checkouts/update", "orders/create"]);
    const checkouts: { topic: string; token: string }[] = [];
    const orderTokens = new Set<string>();
    for (let i = 0; i < 400; i += 1) {
      const { topic, body } = factory.next();
      const payload: unknown = JSON.parse(body);
      if (topic === "orders/create") orderTokens.add(String(restOrder.parse(payload).checkout_token));
      else {
        const parsed = restCheckout.safeParse(payload);
        expect(parsed.error?.issues ?? []).toEqual([]);
        checkouts.push({ topic, token: parsed.data!.token });
      }
    }
    expect(new Set(checkouts.map((checkout) => checkout.topic))).toEqual(new Set(["checkouts/create", "checkouts/update"]));
    // The last checkouts may be of an order not placed yet.
    expect(checkouts.filter((checkout) => orderTokens.has(checkout.token)).length).toBeGreaterThan(checkouts.length * 0.8);
  });
});
