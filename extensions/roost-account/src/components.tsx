import type { ApiErrorCode, RedeemState } from "./api";
import type { LedgerLine, Loyalty, Member, Program, Redemption, Reward } from "./types";
import {
  balanceMessage,
  blockRewards,
  errorMessage,
  joinMessage,
  dateMessage,
  ledgerMessage,
  progress,
  progressMessage,
  redeemStateMessage,
  redemptionStatusMessage,
  rewardCostMessage,
  rewardMessage,
  rewardNeededMessage,
  sortedRewards,
  text,
  tierMessage,
  type I18nLike,
  type Message,
} from "./view";

// What the shopper sees, as props in and elements out: no fetching and no state here (Loyalty.tsx
// holds those), so every state renders the same in tests as in customer accounts.

/** Translates a Message (or a plain key) with the shop's currency for amounts. */
export type Translate = (message: Message | string) => string;

export function translator(i18n: I18nLike, program?: Pick<Program, "currency" | "currencyExponent">): Translate {
  const money = program ?? { currency: "USD", currencyExponent: 2 };
  return (message) => text(i18n, money, typeof message === "string" ? { key: message } : message);
}

/** The full page's handle (shopify.extension.toml): the block's "See all" opens it. */
export const PAGE_URL = "extension://roost-account-page";

/** Block: a handful of rewards and ledger lines; page: all of them, and the shopper's codes. */
export type Variant = "block" | "page";

const BLOCK_LEDGER_LINES = 3;

export function LoadingView({ t }: { t: Translate }) {
  return (
    <s-stack gap="base">
      <s-text color="subdued">{t("loading")}</s-text>
      <s-skeleton-paragraph />
    </s-stack>
  );
}

export function ErrorBanner({ t, code, onRetry }: { t: Translate; code: ApiErrorCode; onRetry?: () => void }) {
  return (
    <s-banner tone="critical" heading={t("errors.heading")}>
      <s-stack gap="base">
        <s-paragraph>{t(errorMessage(code))}</s-paragraph>
        {onRetry && code !== "unauthorized" ? (
          <s-button variant="secondary" onClick={onRetry}>
            {t("retry")}
          </s-button>
        ) : null}
      </s-stack>
    </s-banner>
  );
}

export function JoinLine({ t, program }: { t: Translate; program: Program }) {
  return <s-paragraph>{t(joinMessage(program))}</s-paragraph>;
}

export function Summary({ t, member }: { t: Translate; member: Member }) {
  const bar = progress(member);
  const progressText = t(progressMessage(member));
  return (
    <s-stack gap="small-200">
      <s-text color="subdued">{t("balanceLabel")}</s-text>
      <s-heading>{t(balanceMessage(member.balance))}</s-heading>
      <s-stack direction="inline" gap="small-200" alignItems="center">
        <s-badge>{t(tierMessage(member))}</s-badge>
        <s-text>{progressText}</s-text>
      </s-stack>
      {bar ? <s-progress value={bar.value} max={bar.max} accessibilityLabel={progressText} /> : null}
    </s-stack>
  );
}

export function LedgerList({ t, lines, variant }: { t: Translate; lines: LedgerLine[]; variant: Variant }) {
  const shown = variant === "block" ? lines.slice(0, BLOCK_LEDGER_LINES) : lines;
  return (
    <s-stack gap="small-200">
      <s-heading>{t(variant === "block" ? "ledger.heading" : "ledger.headingAll")}</s-heading>
      {shown.length === 0 ? (
        <s-text color="subdued">{t("ledger.empty")}</s-text>
      ) : (
        <s-unordered-list>
          {shown.map((line) => (
            <s-list-item key={line.id}>
              <s-text>{t(ledgerMessage(line))}</s-text> <s-text color="subdued">{t(dateMessage(line.createdAt))}</s-text>
            </s-list-item>
          ))}
        </s-unordered-list>
      )}
    </s-stack>
  );
}

/** A code the shopper copies: shown in full, selectable, with a Copy button for the clipboard. */
export function CodeDisplay({ t, code, id, onCopy }: { t: Translate; code: string; id: string; onCopy?: () => void }) {
  return (
    <s-stack direction="inline" gap="small-200" alignItems="center">
      <s-clipboard-item id={id} text={code} onCopy={onCopy} />
      <s-text type="strong">{code}</s-text>
      <s-button variant="secondary" command="--copy" commandFor={id}>
        {t("redeem.copy")}
      </s-button>
    </s-stack>
  );
}

export function RedeemResult({ t, reward, state, onCopy }: { t: Translate; reward: Reward; state: RedeemState; onCopy?: () => void }) {
  const said = redeemStateMessage(state, reward.name);
  if (!said) return null;
  const code = state.status === "issued" ? state.redemption.code : null;
  const tone = state.status === "error" || state.status === "failed" ? "critical" : state.status === "issued" ? "success" : "info";
  return (
    <s-banner tone={tone}>
      <s-stack gap="small-200">
        <s-paragraph>{t(said)}</s-paragraph>
        {code ? <CodeDisplay t={t} code={code} id={`roost-code-${reward.id}`} onCopy={onCopy} /> : null}
      </s-stack>
    </s-banner>
  );
}

export interface RedeemProps {
  states: Record<string, RedeemState | undefined>;
  onRedeem: (reward: Reward) => void;
  onCopy?: () => void;
}

export function RewardRow({ t, reward, redeem }: { t: Translate; reward: Reward; redeem: RedeemProps }) {
  const state = redeem.states[reward.id];
  const busy = state?.status === "redeeming" || state?.status === "waiting";
  const needed = rewardNeededMessage(reward);
  // A merchant often names a reward by what it gives ("Free shipping"): say it once.
  const gives = t(rewardMessage(reward));
  const cost = t(rewardCostMessage(reward));
  return (
    <s-stack gap="small-200">
      <s-stack direction="inline" gap="base" alignItems="center" justifyContent="space-between">
        <s-stack gap="none">
          <s-text type="strong">{reward.name}</s-text>
          <s-text color="subdued">{gives === reward.name ? cost : `${gives} · ${cost}`}</s-text>
        </s-stack>
        {needed ? (
          <s-text color="subdued">{t(needed)}</s-text>
        ) : (
          <s-button variant="primary" loading={busy} disabled={busy} onClick={() => redeem.onRedeem(reward)}>
            {t("reward.redeem")}
          </s-button>
        )}
      </s-stack>
      {state ? <RedeemResult t={t} reward={reward} state={state} onCopy={redeem.onCopy} /> : null}
    </s-stack>
  );
}

const withRedeemed = (shown: Reward[], all: Reward[], states: RedeemProps["states"]) => shown.concat(all.filter((reward) => states[reward.id] && !shown.includes(reward)));

export function RewardList({ t, rewards, variant, redeem }: { t: Translate; rewards: Reward[]; variant: Variant; redeem: RedeemProps }) {
  // A reward being redeemed stays on the block even once the balance no longer covers it: its code shows there.
  const shown = variant === "block" ? withRedeemed(blockRewards(rewards), rewards, redeem.states) : sortedRewards(rewards);
  return (
    <s-stack gap="small-200">
      <s-heading>{t(variant === "block" ? "reward.heading" : "reward.headingAll")}</s-heading>
      {shown.length === 0 ? <s-text color="subdued">{t("reward.empty")}</s-text> : shown.map((reward) => <RewardRow key={reward.id} t={t} reward={reward} redeem={redeem} />)}
    </s-stack>
  );
}

export function RedemptionList({ t, redemptions, onCopy }: { t: Translate; redemptions: Redemption[]; onCopy?: () => void }) {
  if (redemptions.length === 0) return null;
  return (
    <s-stack gap="small-200">
      <s-heading>{t("redemptions.heading")}</s-heading>
      {redemptions.map((redemption) => (
        <s-stack key={redemption.id} gap="none">
          <s-text type="strong">{redemption.rewardName}</s-text>
          <s-text color="subdued">
            {t(redemptionStatusMessage(redemption))}
            {redemption.createdAt ? ` · ${t(dateMessage(redemption.createdAt))}` : ""}
          </s-text>
          {redemption.status === "issued" && redemption.code ? <CodeDisplay t={t} code={redemption.code} id={`roost-redemption-${redemption.id}`} onCopy={onCopy} /> : null}
        </s-stack>
      ))}
    </s-stack>
  );
}

/** Everything the shopper sees once Roost has answered. */
export function LoyaltyView({ t, data, variant, redeem }: { t: Translate; data: Loyalty; variant: Variant; redeem: RedeemProps }) {
  const { program, member } = data;
  return (
    <s-stack gap="large">
      {!program.enabled ? (
        <s-banner tone="info">
          <s-paragraph>{t("paused")}</s-paragraph>
        </s-banner>
      ) : null}
      {member ? (
        <>
          <Summary t={t} member={member} />
          <RewardList t={t} rewards={data.rewards} variant={variant} redeem={redeem} />
          {variant === "page" ? <RedemptionList t={t} redemptions={data.redemptions} onCopy={redeem.onCopy} /> : null}
          <LedgerList t={t} lines={member.ledger} variant={variant} />
        </>
      ) : program.enabled ? (
        <JoinLine t={t} program={program} />
      ) : null}
      {variant === "block" && member ? <s-link href={PAGE_URL}>{t("seeAll")}</s-link> : null}
    </s-stack>
  );
}
