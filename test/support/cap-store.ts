import { appDeps, setAppDeps } from "../../app/runtime.server";
import type { CapStore } from "../../app/services/ledger/cap.server";

/**
 * Makes `store` the process's daily-cap store from here on, for the webhook path too: the
 * process's dependencies carry it, and the runtime (never started in tests) is built again from
 * them on its next use, since its inbox worker hands every delivery the store it was built with.
 */
export function useProcessCapStore(store: CapStore): void {
  setAppDeps({ ...appDeps(), capStore: store });
  globalThis.__roostRuntime = undefined;
}
