// The pixel scenario's load generator, a process of its own (scripts/bench/pixel.ts forks it):
// batches of BATCH standard events from many visitors (each batch one visitor's, with its own
// client address in X-Forwarded-For, as a proxy in front of Roost would pass it), CONCURRENCY
// at a time over keep-alive connections, COUNT batches or MAX_MS, whichever ends first. Prints
// one JSON line: counts, latencies, the events acknowledged.
import http from "node:http";

const origin = new URL(process.env.PIXEL_ORIGIN);
const orgId = process.env.PIXEL_ORG_ID;
const concurrency = Number(process.env.PIXEL_CONCURRENCY);
const count = Number(process.env.PIXEL_COUNT);
const maxMs = Number(process.env.PIXEL_MAX_MS);
const batchSize = Number(process.env.PIXEL_BATCH ?? 20);
const variants = Number(process.env.PIXEL_VARIANTS ?? 200);
const prefix = process.env.PIXEL_PREFIX ?? "e";
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

const NAMES = [
  ["page_viewed", 40],
  ["product_viewed", 30],
  ["product_added_to_cart", 12],
  ["cart_viewed", 10],
  ["checkout_started", 5],
  ["collection_viewed", 3],
];
const cumulative = [];
let total = 0;
for (const [name, weight] of NAMES) cumulative.push([name, (total += weight)]);

let seed = 20261205;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

function event(batch, index, visitor, at) {
  const pick = random() * total;
  const name = cumulative.find(([, upTo]) => pick < upTo)[0];
  const variant = 1 + Math.floor(random() * variants * 1.1); // about 1 in 11 unknown to the mirror
  const base = {
    id: `${prefix}-${batch}-${index}`,
    name,
    type: "standard",
    clientId: visitor,
    seq: index,
    timestamp: new Date(at + index * 250).toISOString(),
    context: { document: { location: { href: `https://bench.example.com/products/p-${variant}`, pathname: `/products/p-${variant}` } } },
  };
  const merchandise = { id: `gid://shopify/ProductVariant/${variant}`, price: { amount: 19.99, currencyCode: "USD" }, product: { id: `gid://shopify/Product/${variant}` } };
  if (name === "product_viewed") return { ...base, data: { productVariant: merchandise } };
  if (name === "product_added_to_cart") return { ...base, data: { cartLine: { quantity: 1, merchandise }, cart: { id: `cart-${visitor}` } } };
  if (name === "cart_viewed") return { ...base, data: { cart: { id: `cart-${visitor}` } } };
  if (name === "checkout_started") return { ...base, data: { checkout: { token: `ck-${visitor}`, currencyCode: "USD", totalPrice: { amount: 39.98 } } } };
  return { ...base, data: {} };
}

function post(body, address) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const request = http.request(
      { host: origin.hostname, port: origin.port, path: "/ingest/events", method: "POST", agent, headers: { "Content-Type": "text/plain;charset=UTF-8", "Content-Length": Buffer.byteLength(body), "X-Forwarded-For": address } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode, text, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    request.on("error", (error) => resolve({ status: 0, text: error.message, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    request.end(body);
  });
}

const latencies = [];
const statuses = {};
let next = 0;
let accepted = 0;
let sentEvents = 0;
let bytes = 0;
const startedAt = Date.now();
const cpuStart = process.cpuUsage();
async function worker() {
  for (;;) {
    if (next >= count || Date.now() - startedAt > maxMs) return;
    const batch = next++;
    const visitor = `v-${prefix}-${batch % 5000}`;
    const address = `10.${(batch >> 16) & 255}.${(batch >> 8) & 255}.${batch & 255}`;
    const at = Date.now();
    const events = Array.from({ length: batchSize }, (_, index) => event(batch, index, visitor, at));
    const body = JSON.stringify({ orgId, events });
    bytes += body.length;
    const result = await post(body, address);
    latencies.push(result.ms);
    statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    if (result.status === 200) {
      sentEvents += batchSize;
      accepted += JSON.parse(result.text).accepted;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsedMs = Date.now() - startedAt;
const cpu = process.cpuUsage(cpuStart);
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? 0;
agent.destroy();
console.log(
  JSON.stringify({
    batches: latencies.length,
    ok: statuses[200] ?? 0,
    statuses,
    elapsedMs,
    ackedEvents: sentEvents,
    accepted,
    meanBodyBytes: bytes / Math.max(1, latencies.length),
    loadgenCpuMs: (cpu.user + cpu.system) / 1000,
    p50: at(50),
    p99: at(99),
    max: latencies.at(-1) ?? 0,
  }),
);
