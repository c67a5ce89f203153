// The idempotency keys of the ledger entries a Shopify order and a Shopify refund make: one
// award per order, one claw-back per refund, whichever path (webhook, backfill, catch-up) gets
// there first.

export const shopifyOrderKey = (gid: string) => `shopify-order:${gid}`;
export const shopifyRefundKey = (gid: string) => `shopify-refund:${gid}`;
