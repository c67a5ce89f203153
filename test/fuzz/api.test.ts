import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action as ordersAction } from "../../app/routes/api.v1.orders";
import { action as refundsAction } from "../../app/routes/api.v1.refunds";
import { createApiToken, revokeApiToken } from "../../app/services/api/tokens.server";
import { APP_URL } from "../support/constants";
import { type ApiShop, apiShop, enrol, orderBody, postOrder, refundBody } from "../api/helpers";
import { BODY_CLASSES, type BodyClass, type Fuzzed, fuzzBodies, fuzzBody, fuzzSeed, Outcomes, pool, preview, random, type Random, subSeed } from "./generate";
import { storedCounts } from "./stored";

/**
 * Fuzzes POST /api/v1/orders and /api/v1/refunds through their route modules (issue 8): every
 * answer is the API's own JSON below 500, nothing throws out of the route, and nothing is
 * stored from a request without a valid token. docs/testing.md, "Fuzz".
 */

const seed = fuzzSeed();
const BODIES = fuzzBodies(2000);
const outcomes = new Outcomes();
const started = Date.now();
const HEADERS = ["Idempotency-Key", "Content-Type"] as const;

type Action = typeof ordersAction;
const routes: Array<{ name: string; path: string; action: Action; base: () => Record<string, unknown> }> = [];

let shop: ApiShop;
let revoked: string;

beforeAll(async () => {
  shop = await apiShop();
  await enrol(shop, 901, "ana.lima@example.com");
  // Orders the refunds can refer to.
  for (const id of ["F-1", "F-2", "F-3"]) expect((await postOrder(shop, orderBody({ id, buyer: { email: "ana.lima@example.com" } }))).response.status).toBe(201);
  const second = await createApiToken(db, { shopId: shop.id, name: "Revoked", actor: "test" });
  await revokeApiToken(db, { shopId: shop.id, tokenId: second.record.id, actor: "test" });
  revoked = second.token;
  routes.push(
    { name: "/api/v1/orders", path: "/api/v1/orders", action: ordersAction, base: () => orderBody({ buyer: { email: "ana.lima@example.com", externalId: "POS-1" } }) },
    { name: "/api/v1/refunds", path: "/api/v1/refunds", action: refundsAction, base: () => refundBody("F-1", { refundedAmount: "1.00" }) },
  );
});

afterAll(() => {
  process.stdout.write(outcomes.format(`fuzz /api/v1 (seed ${seed}, ${BODIES} bodies per route, ${((Date.now() - started) / 1000).toFixed(1)} s): class → "auth status" × count`));
});

type Auth = "valid" | "none" | "unknown" | "revoked" | "not-bearer" | "garbage";
const BAD_AUTH: Auth[] = ["none", "unknown", "revoked", "not-bearer", "garbage"];

function authorization(rng: Random, auth: Auth): string | null {
  switch (auth) {
    case "valid":
      return `Bearer ${shop.token}`;
    case "none":
      return null;
    case "unknown":
      return `Bearer roost_${rng.token()}${rng.token()}`;
    case "revoked":
      return `Bearer ${revoked}`;
    case "not-bearer":
      return rng.pick([`Basic ${shop.token}`, shop.token, `Bearer`, `Token ${shop.token}`]);
    case "garbage":
      return rng.pick(["Bearer ' OR 1=1 --", `Bearer ${"x".repeat(4000)}`, "Bearer roost_", "Bearer \u00ff\u00fe", `bearer  ${shop.token.slice(0, -1)}`]);
  }
}

const IDEMPOTENCY_KEYS = ["", " ", "has space", "x".repeat(256), "caf\u00e9", "\t"];

interface Case {
  route: (typeof routes)[number];
  bodyClass: BodyClass;
  fuzzed: Fuzzed;
  auth: Auth;
  client: string;
  headers: Headers;
}

/** Draws everything random up front, so the seed decides the requests whatever their timing. */
function draw(rng: Random, route: (typeof routes)[number], bodyClass: BodyClass, auth: Auth, client: string): Case {
  const fuzzed = fuzzBody(rng, bodyClass, route.base(), HEADERS);
  const headers = new Headers();
  const authHeader = authorization(rng, auth);
  if (authHeader !== null) headers.set("Authorization", authHeader);
  if (!fuzzed.omit.includes("Idempotency-Key")) headers.set("Idempotency-Key", bodyClass === "missing-headers" && rng.chance(0.5) ? rng.pick(IDEMPOTENCY_KEYS) : `fuzz-${rng.token()}`);
  if (fuzzed.contentType !== null && !fuzzed.omit.includes("Content-Type")) headers.set("Content-Type", fuzzed.contentType);
  return { route, bodyClass, fuzzed, auth, client, headers };
}

/** Sends one body; returns a violation message, or null. */
async function send({ route, bodyClass, fuzzed, auth, client, headers }: Case): Promise<string | null> {
  const body = typeof fuzzed.body === "string" ? fuzzed.body : new Blob([new Uint8Array(fuzzed.body)]);
  const request = new Request(new URL(route.path, APP_URL), { method: "POST", headers, body });
  if (!headers.has("Content-Type")) request.headers.delete("Content-Type");
  let response: Response;
  try {
    response = await route.action({ request, params: {}, context: { clientAddress: client } });
  } catch (thrown) {
    return `${route.name} ${bodyClass} (${auth}): threw ${thrown instanceof Response ? `Response ${thrown.status}` : String(thrown).slice(0, 200)}`;
  }
  outcomes.add(`${route.name.slice(8)} ${bodyClass}`, `${auth === "valid" ? "token" : "no-token"} ${response.status}`);
  const text = await response.text();
  const describe = () => `${route.name} ${bodyClass} (${auth}) → ${response.status} ${text.slice(0, 200)}; body ${preview(fuzzed.body)}`;
  if (response.status >= 500) return `5xx: ${describe()}`;
  if (!/^application\/json/.test(response.headers.get("Content-Type") ?? "")) return `not JSON: ${describe()}`;
  let json: { error?: unknown };
  try {
    json = JSON.parse(text) as { error?: unknown };
  } catch {
    return `unparseable answer: ${describe()}`;
  }
  if (response.status >= 400 && typeof json.error !== "string") return `error without a code: ${describe()}`;
  if (auth !== "valid" && ![401, 429].includes(response.status)) return `unauthenticated but ${response.status}: ${describe()}`;
  return null;
}

/**
 * The bodies of one route, class by class, at least half of each with a valid token. Sent a
 * few at a time (PostgreSQL answers concurrent requests; SQLite queues them on its connection).
 */
async function fuzzRoute(route: (typeof routes)[number], authenticated: boolean): Promise<string[]> {
  const rng = random(subSeed(seed, `${route.name}:${authenticated ? "token" : "no-token"}`));
  // 60 % of each class carries the valid token: the unauthenticated part is its own phase.
  const perClass = Math.ceil(BODIES / BODY_CLASSES.length);
  const share = authenticated ? Math.ceil(perClass * 0.6) : perClass - Math.ceil(perClass * 0.6);
  const cases = BODY_CLASSES.flatMap((bodyClass) =>
    Array.from({ length: share }, () =>
      // Unauthenticated clients come from a small pool, so some are rate-limited (429).
      authenticated ? draw(rng, route, bodyClass, "valid", "198.51.100.1") : draw(rng, route, bodyClass, rng.pick(BAD_AUTH), `203.0.113.${rng.int(100)}`),
    ),
  );
  const violations: string[] = [];
  // Unauthenticated requests stay in order, so which client is limited when is the seed's.
  await pool(cases, authenticated ? 4 : 1, async (item) => {
    const violation = await send(item);
    if (violation) violations.push(violation);
  });
  return violations;
}

describe(`fuzz: the external API (seed ${seed}; ROOST_FUZZ_SEED=${seed} reproduces it)`, () => {
  it("unauthenticated bodies: 401 or 429 JSON, nothing stored", { timeout: 170_000 }, async () => {
    const before = await storedCounts();
    const violations = [...(await fuzzRoute(routes[0], false)), ...(await fuzzRoute(routes[1], false))];
    expect(violations.slice(0, 20), `seed ${seed}: ${violations.length} violations`).toEqual([]);
    expect(await storedCounts(), `seed ${seed}`).toEqual(before);
  });

  it("bodies with a valid token: never 5xx, always the API's JSON, no throw", { timeout: 170_000 }, async () => {
    const violations = [...(await fuzzRoute(routes[0], true)), ...(await fuzzRoute(routes[1], true))];
    expect(violations.slice(0, 20), `seed ${seed}: ${violations.length} violations`).toEqual([]);
    expect(({} as Record<string, unknown>).polluted, "Object.prototype polluted").toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin, "Object.prototype polluted").toBeUndefined();
  });
});

