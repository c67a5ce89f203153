import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

// Where a merchant's endpoint may point (docs/events.md, "Addresses"): `https:` only, and never at
// an address inside a network — the server's own, its cloud's metadata service, a private LAN.
// Checked when the endpoint is saved and again at each send (the name may resolve elsewhere by
// then: DNS rebinding), and the send connects to the very address that was checked.
// `ROOST_ENDPOINTS_ALLOW_PRIVATE=true` lifts both rules for local development, the demo and tests.

/** Resolves a host name to its addresses (dns.lookup by default; tests inject one). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));

const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
  ["2001:db8::", 32],
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address an IPv6 form carries (::ffff:a.b.c.d, ::a.b.c.d), or null. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^::(?:ffff:(?:0:)?)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::(?:ffff:(?:0:)?)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return null;
}

/** Whether an address is one an endpoint may not reach (private, loopback, link-local, …). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return blocked.check(v4, "ipv4");
    return blocked.check(address, "ipv6");
  }
  return true;
}

export function allowPrivateEndpoints(env: Record<string, string | undefined> = process.env): boolean {
  return env.ROOST_ENDPOINTS_ALLOW_PRIVATE === "true";
}

export type AddressCheck = { ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; error: string; transient?: boolean };

/**
 * Checks an endpoint URL and resolves it to the one address a send connects to. A name that
 * does not resolve (now) is `transient`: a send tries again later, a save refuses it.
 */
export async function checkEndpointUrl(raw: string, options: { allowPrivate: boolean; resolve?: Resolver }): Promise<AddressCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: "Enter a full URL, e.g. https://example.com/roost" };
  }
  if (url.protocol !== "https:" && !(options.allowPrivate && url.protocol === "http:")) return { ok: false, error: "The URL must start with https://" };
  if (url.username || url.password) return { ok: false, error: "The URL must not carry a user name or password" };
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: 4 | 6 }[];
  const literal = isIP(host);
  if (literal !== 0) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) return { ok: false, error: `The host ${host} could not be resolved`, transient: true };
  }
  // Every address must be public: a name with one private address among public ones is refused.
  if (!options.allowPrivate && addresses.some((entry) => isPrivateAddress(entry.address))) {
    return { ok: false, error: `The host ${host} resolves to a private, loopback or link-local address; endpoints must be reachable on the public internet` };
  }
  return { ok: true, url, address: addresses[0].address, family: addresses[0].family };
}

/**
 * A last check on every address a send connects to, whatever the rules above allowed. Tests set
 * one that only lets loopback through (test/setup.ts): sends connect with their own socket, not
 * through undici's global dispatcher where the tests' network guard sits, so this is what keeps a
 * test from ever reaching the real internet.
 */
let connectGuard: ((address: string) => boolean) | null = null;

export function guardEndpointConnections(guard: ((address: string) => boolean) | null): void {
  connectGuard = guard;
}

export function assertConnectAllowed(address: string): void {
  if (connectGuard && !connectGuard(address)) throw new Error(`Endpoint connections to ${address} are not allowed in this process (guardEndpointConnections)`);
}
