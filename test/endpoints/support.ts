import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import db from "../../app/db.server";
import { type Clock, systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import type { Resolver } from "../../app/services/endpoints/address.server";
import { deliverWebhooksNow } from "../../app/services/endpoints/deliver.server";
import { addEndpoint } from "../../app/services/endpoints/endpoints.server";
import { WEBHOOKS_OUT_QUEUE } from "../../app/services/endpoints/output.server";
import { journeyOutputs } from "../../app/runtime.server";
import { dispatchJourneysNow } from "../../app/services/journeys/dispatch.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { installTestShop, uniqueShop } from "../support/shopify";

/** Lets http:// and loopback through, as local development and the demo do. */
export const ALLOW = { ROOST_ENDPOINTS_ALLOW_PRIVATE: "true" };

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A merchant's endpoint: a real HTTP server on 127.0.0.1 answering with the codes queued (then 200). */
export async function receiver(): Promise<{ url: string; received: Received[]; answer(...codes: number[]): void; close(): Promise<void> }> {
  const received: Received[] = [];
  const codes: number[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(codes.shift() ?? 200, { "Content-Type": "text/plain" });
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/roost`,
    received,
    answer: (...next) => codes.push(...next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** docs/events.md's verification recipe, as a receiver would write it. */
export function verifySignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=") as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length / 2 && timingSafeEqual(given, Buffer.from(expected, "hex"));
}

export async function endpointShop(): Promise<{ shop: string; shopId: string; row: { id: string; domain: string } }> {
  const shop = uniqueShop("roost-endpoints");
  await installTestShop(shop);
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop }, select: { id: true, domain: true } });
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  return { shop, shopId: row.id, row };
}

export async function endpointFor(row: { id: string; domain: string }, url: string, events: string[], personalData = false) {
  const result = await addEndpoint({ db, clock: systemClock }, row, { url, events, personalData }, "test", ALLOW);
  if (!result.ok) throw new Error(`endpoint refused: ${JSON.stringify(result.errors)}`);
  return result;
}

export const later = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });

/** Dispatches the pending journey events and sends what is due, with the clock given (now by default). */
export async function flush(options: { clock?: Clock; resolve?: Resolver; env?: Record<string, string> } = {}) {
  await dispatchJourneysNow({ db, clock: systemClock }, journeyOutputs);
  return deliverWebhooksNow({ db, clock: options.clock ?? systemClock, logger, env: options.env ?? ALLOW, resolve: options.resolve });
}

export const deliveriesOf = (shopId: string) => db.endpointDelivery.findMany({ where: { shopId }, orderBy: [{ createdAt: "asc" }, { eventType: "asc" }] });
export const jobsOf = (shopId: string) => db.job.findMany({ where: { shopId, queue: WEBHOOKS_OUT_QUEUE } });
