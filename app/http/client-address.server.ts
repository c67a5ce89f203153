import type { AppLoadContext } from "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The TCP peer's address (`req.socket.remoteAddress`), from server.mjs's `getLoadContext`. */
    clientAddress?: string;
  }
}

/**
 * The key for a request when the server passed no address (`remix vite:dev`, route modules
 * called directly in tests): every such request shares it.
 */
export const UNKNOWN_CLIENT = "unknown";

/**
 * Who is asking, for per-client limits. The socket's peer address from the load context, unless
 * `ROOST_TRUST_PROXY=<n>` says Roost runs behind n reverse proxies that append to
 * `X-Forwarded-For`: then the address n hops in from the right of that chain (as Express's
 * `trust proxy` counts). Without that setting the header is ignored, since any client can send
 * it. IPv6 addresses are keyed by their /64, which one client usually holds whole.
 */
export function clientKey(request: Request, context: AppLoadContext | undefined, trustProxy = process.env.ROOST_TRUST_PROXY): string {
  const peer = typeof context?.clientAddress === "string" && context.clientAddress !== "" ? context.clientAddress : UNKNOWN_CLIENT;
  const hops = /^\d+$/.test(trustProxy ?? "") ? Number(trustProxy) : 0;
  let address = peer;
  if (hops > 0) {
    const forwarded = (request.headers.get("X-Forwarded-For") ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    const chain = [...forwarded, peer];
    address = chain[Math.max(0, chain.length - 1 - hops)];
  }
  return normalise(address);
}

function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(":")) return address;
  const hextets = expandIpv6(address.replace(/%.*$/, ""));
  return hextets ? `${hextets.slice(0, 4).join(":")}::/64` : address;
}

/** "2001:db8::1" → ["2001", "db8", "0", "0", "0", "0", "0", "1"]; null when it is not IPv6. */
function expandIpv6(address: string): string[] | null {
  const halves = address.toLowerCase().split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const hextets = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!hextets.every((part) => /^[0-9a-f]{1,4}$/.test(part))) return null;
  return hextets.map((part) => part.replace(/^0+(?=.)/, ""));
}
