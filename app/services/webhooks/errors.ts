/**
 * Thrown by a topic handler when a delivery can never be processed (missing ids, wrong
 * types). The inbox keeps it as `failed` with this message instead of retrying it.
 */
export class UnprocessableDeliveryError extends Error {
  /** Never retried (the job queue's `isTerminalError`). */
  readonly terminal = true;
  constructor(message: string) {
    super(message);
    this.name = "UnprocessableDeliveryError";
  }
}

/**
 * Thrown by a topic handler when the delivery's shop has no row: Roost has no installation
 * record for it (never installed, or erased by shop/redact). The inbox parks the delivery
 * until the shop installs; it never creates the shop (docs/security.md).
 */
export class ShopNotKnownError extends Error {
  constructor(readonly domain: string) {
    super(`no installation of Roost is recorded for ${domain}: parked until it installs`);
    this.name = "ShopNotKnownError";
  }
}
