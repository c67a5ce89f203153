// Sampling is per visitor: a stable hash of the clientId decides, so a visitor is always in or out.

/** FNV-1a, 32 bits. */
export function hashClientId(clientId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < clientId.length; i++) {
    hash ^= clientId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Identity is stitched from checkout events, so they are never sampled out. */
export function alwaysSent(eventName: string): boolean {
  return eventName.startsWith("checkout_") || eventName === "payment_info_submitted";
}

export function sampledIn(clientId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return hashClientId(clientId) / 0x100000000 < rate;
}
