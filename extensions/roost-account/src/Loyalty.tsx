import { useCallback, useEffect, useState } from "preact/hooks";
import { errorCodeOf, redeemClick, type AccountApi, type ApiErrorCode, type RedeemState } from "./api";
import { api as defaultApi } from "./client";
import { ErrorBanner, LoadingView, LoyaltyView, translator, type Variant } from "./components";
import type { Loyalty as LoyaltyData, Reward } from "./types";

// The block's and the page's state: Roost's answer (loading, loaded or failed) and each reward's
// redemption in progress. A failed load shows a banner with a retry, never an empty block.

type Load = { status: "loading" } | { status: "error"; code: ApiErrorCode } | { status: "ready"; data: LoyaltyData };

export function Loyalty({ variant, api = defaultApi }: { variant: Variant; api?: AccountApi }) {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [redeeming, setRedeeming] = useState<Record<string, RedeemState | undefined>>({});

  const fetchLoyalty = useCallback(
    async (quietly: boolean) => {
      if (!quietly) setLoad({ status: "loading" });
      try {
        setLoad({ status: "ready", data: await api.loyalty() });
      } catch (error) {
        // A quiet refresh (after a redemption) keeps what is shown rather than replacing it with an error.
        if (!quietly) setLoad({ status: "error", code: errorCodeOf(error) });
      }
    },
    [api],
  );

  useEffect(() => {
    void fetchLoyalty(false);
  }, [fetchLoyalty]);

  const onRedeem = useCallback(
    (reward: Reward) => {
      // One click, one Idempotency-Key (made inside redeemClick).
      void redeemClick(api, reward.id, { onUpdate: (state) => setRedeeming((states) => ({ ...states, [reward.id]: state })) }).then(() => fetchLoyalty(true));
    },
    [api, fetchLoyalty],
  );

  const program = load.status === "ready" ? load.data.program : undefined;
  const t = translator(shopify.i18n, program);
  const onCopy = () => void shopify.toast.show(t("redeem.copied"));

  const body =
    load.status === "loading" ? (
      <LoadingView t={t} />
    ) : load.status === "error" ? (
      <ErrorBanner t={t} code={load.code} onRetry={() => void fetchLoyalty(false)} />
    ) : (
      <LoyaltyView t={t} data={load.data} variant={variant} redeem={{ states: redeeming, onRedeem, onCopy }} />
    );

  return variant === "page" ? (
    <s-page heading={t("pageTitle")}>
      <s-section>{body}</s-section>
    </s-page>
  ) : (
    <s-section heading={t("title")}>{body}</s-section>
  );
}
