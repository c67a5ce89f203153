import { beforeEach, describe, expect, it } from "vitest";
import { type ApiBody, type ApiShop, apiShop, db, enrol, orderBody, postOrder, postRefund, refundBody } from "./helpers";

/**
 * Bodies built to break the API (issue 8): each gets the API's own JSON 4xx and stores nothing
 * (no ledger entry, no idempotency row, no member). docs/api.md, "Errors" and "Limits".
 */

let shop: ApiShop;
const ANA = 415310627;

beforeEach(async () => {
  shop = await apiShop();
  await enrol(shop, ANA, "ana.lima@example.com");
});

const stored = async () => ({
  ledger: await db.ledgerEntry.count({ where: { shopId: shop.id } }),
  keys: await db.apiIdempotency.count({ where: { shopId: shop.id } }),
  members: await db.member.count({ where: { shopId: shop.id } }),
});

type Post = typeof postOrder;
const routes: Array<[string, Post, () => Record<string, unknown>]> = [
  ["/api/v1/orders", postOrder, () => orderBody()],
  ["/api/v1/refunds", postRefund, () => refundBody("A-1001")],
];

/** Sends the body, expects the JSON error, and checks that nothing was stored. */
async function expectRefused(post: Post, body: unknown, status: number, error: string, headers?: Record<string, string>): Promise<ApiBody> {
  const before = await stored();
  const { response, json } = await post(shop, body, headers ? { headers } : {});
  expect({ status: response.status, error: json.error }).toEqual({ status, error });
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(json.message).toEqual(expect.any(String));
  expect(await stored()).toEqual(before);
  return json;
}

const nest = (depth: number, open: string, close: string, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);

describe.each(routes)("%s refuses hostile bodies with a JSON 4xx and stores nothing", (_path, post, valid) => {
  it("JSON nested 5,000 deep (arrays, objects, inside a valid body): 400 body_too_deep", async () => {
    await expectRefused(post, nest(5000, "[", "]"), 400, "body_too_deep");
    await expectRefused(post, nest(5000, '{"a":', "}"), 400, "body_too_deep");
    const inside = JSON.stringify({ ...valid(), extra: "__DEEP__" }).replace('"__DEEP__"', nest(5000, "[", "]"));
    await expectRefused(post, inside, 400, "body_too_deep");
  });

  it("nesting within the limit is fine; brackets inside strings do not count", async () => {
    const body = { ...valid(), extra: JSON.parse(nest(30, "[", "]")), note: "[[[[".repeat(100) };
    const { response } = await post(shop, body);
    // A refund of an order that has no award is a 404: still past the depth check.
    expect([201, 404]).toContain(response.status);
  });

  it("non-object roots: 422 invalid_request on body", async () => {
    for (const root of ["null", "[]", '"x"', "42", "true"]) {
      const json = await expectRefused(post, root, 422, "invalid_request");
      expect(Object.keys(json.fields ?? {})).toEqual(["body"]);
    }
  });

  it("not JSON, truncated JSON, an empty body, invalid UTF-8: 400 invalid_json", async () => {
    const text = JSON.stringify(valid());
    for (const body of ["", "not json", text.slice(0, -1), "{'id': 1}", text + "}"]) await expectRefused(post, body, 400, "invalid_json");
    const bytes = new Uint8Array([...new TextEncoder().encode(text.slice(0, -1)), ...new TextEncoder().encode(',"x":"'), 0xc3, 0x28, 0xff, 0x22, 0x7d]);
    const json = await expectRefused(post, bytes, 400, "invalid_json");
    expect(json.message).toMatch(/UTF-8/);
  });

  it("NUL and unpaired surrogates in any string, escaped or raw: 400 invalid_characters", async () => {
    for (const field of ["id", "channel", "currency", "occurredAt", "unknownField"]) {
      await expectRefused(post, { ...valid(), [field]: "A\u0000B" }, 400, "invalid_characters");
      await expectRefused(post, { ...valid(), [field]: "A\ud800B" }, 400, "invalid_characters");
      await expectRefused(post, { ...valid(), [field]: "A\udc00" }, 400, "invalid_characters");
    }
  });

  it("well-formed unicode (emoji, RTL, combining marks) is just text", async () => {
    const { response } = await post(shop, { ...valid(), id: "طلب-١٠٠١-😀-é" });
    expect([201, 404]).toContain(response.status);
  });

  it("other control characters in ids: 422", async () => {
    for (const id of ["A\r\nB", "A\tB", "A\u001bB", "A\u007fB"]) {
      const json = await expectRefused(post, { ...valid(), id }, 422, "invalid_request");
      expect(json.fields).toEqual({ id: "Must not contain control characters" });
    }
  });

  it("huge and odd numbers: 422 with the field's problem", async () => {
    const text = JSON.stringify(valid());
    const withId = (raw: string) => text.replace(/"id":"[^"]*"/, `"id":${raw}`);
    for (const raw of ["1e400", "-1e400", "18446744073709551616", "1.5", "-1"]) {
      const json = await expectRefused(post, withId(raw), 422, "invalid_request");
      expect(Object.keys(json.fields ?? {})).toEqual(["id"]);
    }
    const amountField = "eligibleAmount" in valid() ? "eligibleAmount" : "refundedAmount";
    for (const amount of ["18446744073709551616", "90071992547409.92", "9".repeat(5000), "1e400", "-5.00", "NaN", "Infinity"]) {
      const json = await expectRefused(post, { ...valid(), [amountField]: amount }, 422, "invalid_request");
      expect(Object.keys(json.fields ?? {})).toEqual([amountField]);
    }
    // A number where a decimal string is expected.
    await expectRefused(post, text.replace(/"(eligibleAmount|refundedAmount)":"[^"]*"/, '"$1":1e400'), 422, "invalid_request");
  });

  it("very long strings in every field: 422 (or 413 past 64 KiB), quickly", async () => {
    const long = "a".repeat(60_000);
    for (const field of Object.keys(valid())) {
      const started = Date.now();
      const json = await expectRefused(post, { ...valid(), [field]: long }, 422, "invalid_request");
      expect(Object.keys(json.fields ?? {})).toEqual([field]);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    await expectRefused(post, { ...valid(), extra: "a".repeat(70_000) }, 413, "body_too_large");
  });

  it("wrong or missing Content-Type: 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/jsonp", ""]) {
      await expectRefused(post, valid(), 415, "unsupported_media_type", { "Content-Type": type });
    }
    const { response } = await post(shop, valid(), { headers: { "Content-Type": "Application/JSON; charset=UTF-8" } });
    expect([201, 404]).toContain(response.status);
  });

  it("prototype keys are plain data: no pollution, and required fields hidden in them do not count", async () => {
    const hidden = `{"__proto__":${JSON.stringify(valid())},"constructor":{"prototype":{"polluted":true}}}`;
    const json = await expectRefused(post, hidden, 422, "invalid_request");
    expect(json.fields).toMatchObject({ id: "Required", channel: "Required" });
    const extra = JSON.stringify(valid()).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},');
    const { response } = await post(shop, extra);
    expect([201, 404]).toContain(response.status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("duplicate keys: the last one counts, as in JSON.parse, and is validated", async () => {
    const text = JSON.stringify(valid()).replace(/\}$/, ',"currency":"EUR"}');
    const json = await expectRefused(post, text, 422, "invalid_request");
    expect(json.fields).toEqual({ currency: "Must be USD, the shop currency" });
  });
});

describe("a refused body leaves the Idempotency-Key unused", () => {
  it("the same key then processes the corrected request", async () => {
    const key = "order-hostile-1";
    const deep = await postOrder(shop, nest(5000, "[", "]"), { key });
    expect(deep.response.status).toBe(400);
    const valid = await postOrder(shop, orderBody({ id: "H-1" }), { key });
    expect(valid.response.status).toBe(201);
    expect(valid.json.order).toMatchObject({ status: "awarded", points: 123 });
  });
});
