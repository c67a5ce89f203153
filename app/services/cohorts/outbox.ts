/**
 * The outbox queue of tag operations: one job per cohort transition of a Shopify customer
 * (`tagsAdd` on entry, `tagsRemove` on exit), written in the transition's transaction. Its
 * payload is a TagOp; the tag writer works the queue.
 */
export const TAGS_QUEUE = "tags";

export interface TagOp {
  transitionId: string;
  customerGid: string;
  tag: string;
  op: "add" | "remove";
}
