/**
 * Thrown by a topic handler when a delivery can never be processed (missing ids, wrong
 * types). The inbox keeps it as `failed` with this message instead of retrying it.
 */
export class UnprocessableDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnprocessableDeliveryError";
  }
}
