import { type CapStore, databaseCapStore } from "./cap.server";

let capStore: CapStore = databaseCapStore;

/** The process's cap store: Redis when REDIS_URL is set (see startCapStore), else the ledger. */
export function currentCapStore(): CapStore {
  return capStore;
}

/** Tests and start-up swap the cap store here. */
export function useCapStore(store: CapStore): void {
  capStore = store;
}
