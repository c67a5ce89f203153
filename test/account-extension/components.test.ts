import { existsSync } from "node:fs";
import { join } from "node:path";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AccountApi, RedeemState } from "../../extensions/roost-account/src/api";
import { ErrorBanner, LoyaltyView, PAGE_URL, translator, type RedeemProps, type Variant } from "../../extensions/roost-account/src/components";
import { Loyalty } from "../../extensions/roost-account/src/Loyalty";
import type { Loyalty as LoyaltyData } from "../../extensions/roost-account/src/types";
import { EXTENSION, fakeShopify, loyalty, member, plain, USD, type Locale } from "./support";

// The block and the page rendered to HTML (preact-render-to-string: no DOM library needed) with
// the real locale files: what a shopper reads in each state.

beforeAll(() => {
  // `shopify app dev` without --skip-dependencies-installation installs a second preact into the
  // extension folder; components would then render with a copy these tests do not render with.
  expect(existsSync(join(EXTENSION, "node_modules/preact")), "remove extensions/roost-account/node_modules (see its README)").toBe(false);
});

const noRedeem: RedeemProps = { states: {}, onRedeem: () => {} };

function view(data: LoyaltyData, { variant = "block", locale = "en", states = {} }: { variant?: Variant; locale?: Locale; states?: Record<string, RedeemState> } = {}) {
  const t = translator(fakeShopify(locale).i18n, data.program);
  return plain(renderToString(h(LoyaltyView, { t, data, variant, redeem: { ...noRedeem, states } })));
}

/** The visible text, tags removed, for sentences split across elements. */
const words = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

describe("the Profile block", () => {
  it("shows the balance, the tier and '120 points to Silver' with a progress bar", () => {
    const html = view(loyalty());
    expect(words(html)).toContain("Your balance 80 points");
    expect(html).toContain("Bronze member");
    expect(html).toContain("120 points to Silver");
    expect(html).toMatch(/<s-progress[^>]*value="380"[^>]*max="500"/);
  });

  it("lists the affordable rewards with a Redeem button each, and not the one still out of reach", () => {
    const html = view(loyalty());
    expect(words(html)).toContain("Free shipping 30 points Redeem");
    expect(words(html)).toContain("$5 off 50 points Redeem");
    expect(html.match(/<s-button[^>]*variant="primary"/g)).toHaveLength(2);
    expect(html).not.toContain("10% off");
  });

  it("with nothing affordable, shows the closest reward and how many points it still needs, without a button", () => {
    const data = loyalty({ rewards: loyalty().rewards.map((r) => ({ ...r, affordable: false, pointsNeeded: r.pointsCost + 10 })) });
    const html = view(data);
    expect(words(html)).toContain("Free shipping 30 points 40 more points needed");
    expect(html).not.toMatch(/<s-button[^>]*variant="primary"/);
  });

  it("shows the three latest ledger lines in sentences, with their dates, and links to the page", () => {
    const html = view(loyalty());
    expect(html).toContain("Redeemed 50 points for $5 off");
    expect(html).toContain("Earned 57 points on order #1001");
    expect(html).toContain("Sign-up bonus: 100 points");
    expect(html).toContain("Dec 2, 2026");
    expect(html).not.toContain("#1000");
    expect(html).toContain(`<s-link href="${PAGE_URL}">See all</s-link>`);
  });

  it("a member without history or rewards reads the empty states", () => {
    const html = view(loyalty({ member: member({ ledger: [] }), rewards: [] }));
    expect(html).toContain("No points yet: your next order earns some.");
    expect(html).toContain("No rewards are offered right now.");
  });

  it("a signed-in customer who is not a member yet reads the join line with the earn rate", () => {
    const html = view(loyalty({ member: null, redemptions: [] }));
    expect(words(html)).toBe("Join our rewards program: earn 1 point for every $1 you spend. Your first order makes you a member.");
    expect(html).not.toContain("See all");
  });

  it("in French", () => {
    const html = view(loyalty(), { locale: "fr" });
    expect(words(html)).toContain("Votre solde 80 points");
    expect(html).toContain("Encore 120 points pour Silver");
    expect(html).toContain("50 points échangés contre $5 off");
    expect(html).toContain("Échanger");
    expect(html).toContain("Tout voir");
  });

  it("a paused program says so and keeps the member's points on show", () => {
    const html = view(loyalty({ program: { ...USD, enabled: false } }));
    expect(html).toContain("Our rewards program is paused.");
    expect(html).toContain("80 points");
  });
});

describe("after a click on Redeem", () => {
  const redemption = { id: "red-9", rewardName: "$5 off", points: 50 };

  it("the button spins while the code is made", () => {
    const html = view(loyalty(), { states: { "reward-5-off": { status: "waiting", redemption: { ...redemption, status: "pending" } } } });
    expect(html).toMatch(/<s-button[^>]*loading[^>]*>Redeem/);
    expect(html).toContain("Preparing your code for $5 off…");
  });

  it("shows the issued code in full with a Copy button bound to a clipboard item", () => {
    const html = view(loyalty(), { states: { "reward-5-off": { status: "issued", redemption: { ...redemption, status: "issued", code: "ROOST-5OFF-ZZ99" } } } });
    expect(html).toContain("Your code for $5 off:");
    expect(html).toContain('<s-clipboard-item id="roost-code-reward-5-off" text="ROOST-5OFF-ZZ99"></s-clipboard-item>');
    expect(html).toContain('<s-text type="strong">ROOST-5OFF-ZZ99</s-text>');
    expect(html).toMatch(/<s-button[^>]*command="--copy"[^>]*commandFor="roost-code-reward-5-off"[^>]*>Copy code<\/s-button>/);
  });

  it("a reward redeemed down to an unaffordable balance stays on the block with its code", () => {
    const data = loyalty({ member: member({ balance: 10 }), rewards: loyalty().rewards.map((r) => ({ ...r, affordable: false, pointsNeeded: r.pointsCost - 10 })) });
    const html = view(data, { states: { "reward-5-off": { status: "issued", redemption: { ...redemption, status: "issued", code: "ROOST-KEPT" } } } });
    expect(html).toContain("ROOST-KEPT");
    expect(html).toContain("40 more points needed");
  });

  it("a refusal shows its reason", () => {
    const html = view(loyalty(), { states: { "reward-5-off": { status: "error", code: "insufficient_points" } } });
    expect(html).toContain('<s-banner tone="critical">');
    expect(html).toContain("You do not have enough points for this reward yet.");
  });
});

describe("the full page", () => {
  it("shows every reward, the shopper's codes and the whole history", () => {
    const html = view(loyalty(), { variant: "page" });
    expect(words(html)).toContain("10% off 10% off on orders of $50 or more · 200 points 120 more points needed");
    expect(html).toContain("Your codes");
    expect(html).toContain("Ready to use");
    expect(html).toContain('text="ROOST-5OFF-AB12"');
    expect(html).toContain("Earned 1 point on order #1000");
    expect(html).toContain("Points history");
    expect(html).not.toContain("See all");
  });
});

describe("loading and errors", () => {
  const shopify = globalThis as unknown as { shopify?: ReturnType<typeof fakeShopify> };
  afterEach(() => {
    delete shopify.shopify;
  });

  it("the error banner says what failed and offers a retry", () => {
    const t = translator(fakeShopify("en").i18n);
    const html = plain(renderToString(h(ErrorBanner, { t, code: "network", onRetry: () => {} })));
    expect(html).toContain('<s-banner tone="critical" heading="Your points could not be loaded">');
    expect(html).toContain("We could not reach the rewards service. Check your connection and try again.");
    expect(html).toContain("Try again</s-button>");
  });

  it("an expired session asks for a reload instead of a retry that would fail the same way", () => {
    const t = translator(fakeShopify("fr").i18n);
    const html = plain(renderToString(h(ErrorBanner, { t, code: "unauthorized", onRetry: () => {} })));
    expect(html).toContain("Votre session a expiré.");
    expect(html).not.toContain("Réessayer");
  });

  it("the block and the page render a loading state before Roost answers, never an empty block", () => {
    shopify.shopify = fakeShopify("en");
    const api = { loyalty: () => new Promise(() => {}) } as unknown as AccountApi;
    const block = plain(renderToString(h(Loyalty, { variant: "block", api })));
    expect(block).toMatch(/^<s-section heading="Rewards">/);
    expect(block).toContain("Loading your points…");
    expect(block).toContain("<s-skeleton-paragraph>");
    const page = plain(renderToString(h(Loyalty, { variant: "page", api })));
    expect(page).toMatch(/^<s-page heading="Your rewards">/);
  });
});
