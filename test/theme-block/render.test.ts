import { describe, expect, it } from "vitest";
import { renderBlock, SAMPLE_PROGRAM, visibleText } from "./support";

// The Roost points block rendered as Shopify renders it for a signed-in member, a signed-in
// customer Roost has not written yet, and a guest; with and without the app's roost.program
// metafield; with the merchant's settings toggled.

const member = { pointsBalance: 1240, tier: "Silver" };

describe("a signed-in member", () => {
  it("sees the balance with thousands separators and the tier", async () => {
    const html = await renderBlock({ customer: member });
    expect(visibleText(html)).toBe("Your rewards 1,240 points Tier: Silver");
    expect(html).toContain('data-shopify-editor-block="{}"');
  });

  it("reads 1 point, 0 points and 1,000,000 points", async () => {
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 1 } }))).toBe("Your rewards 1 point");
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 0, tier: "Bronze" } }))).toBe("Your rewards 0 points Tier: Bronze");
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 1_000_000 } }))).toBe("Your rewards 1,000,000 points");
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 999 } }))).toBe("Your rewards 999 points");
  });

  it("in French: narrow no-break spaces between thousands, the singular for 0 and 1", async () => {
    expect(visibleText(await renderBlock({ locale: "fr", customer: member }))).toBe("Vos récompenses 1\u202f240 points Niveau\u00a0: Silver");
    expect(visibleText(await renderBlock({ locale: "fr", customer: { pointsBalance: 0 } }))).toBe("Vos récompenses 0 point");
  });

  it("sees no join copy, whatever the program metafield says", async () => {
    expect(visibleText(await renderBlock({ customer: member, program: null }))).toBe("Your rewards 1,240 points Tier: Silver");
    expect(await renderBlock({ customer: member })).not.toContain("data-roost-join");
  });

  it("shows only the lines the merchant chose, under the merchant's title, in the merchant's colours", async () => {
    const html = await renderBlock({ customer: member, settings: { show_tier: false, title: "Nest points", accent_color: "#aa3300" } });
    expect(visibleText(html)).toBe("Nest points 1,240 points");
    expect(html).toContain("--roost-points-accent: #aa3300;");
    expect(visibleText(await renderBlock({ customer: member, settings: { show_balance: false } }))).toBe("Your rewards Tier: Silver");
  });

  it("escapes what it did not write: the tier and the title", async () => {
    const html = await renderBlock({ customer: { pointsBalance: 5, tier: "<b>Gold</b>" }, settings: { title: "Points & perks" } });
    expect(html).toContain("&lt;b&gt;Gold&lt;/b&gt;");
    expect(html).toContain("Points &amp; perks");
  });

  it("leaves the tier line out while Roost has written a balance but no tier", async () => {
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 40 } }))).toBe("Your rewards 40 points");
    expect(visibleText(await renderBlock({ customer: { pointsBalance: 40, tier: "  " } }))).toBe("Your rewards 40 points");
  });
});

describe("a signed-in customer without Roost's metafields (not a member yet, or before the first write)", () => {
  it("sees the join copy and the earn rate, never 0 points or a blank tier", async () => {
    const text = visibleText(await renderBlock({ customer: {} }));
    expect(text).toBe("Your rewards Your points will show here after your first order. Earn 1 point for every USD you spend.");
    expect(text).not.toMatch(/points Tier|0 points/);
  });

  it("gets no sign-in links (already signed in), and nothing when the merchant hides the join copy", async () => {
    const html = await renderBlock({ customer: {} });
    expect(html).not.toContain("/account/login");
    expect((await renderBlock({ customer: {}, settings: { show_join: false } })).trim()).toBe("");
  });

  it("with only a tier written, is still not shown a balance", async () => {
    expect(visibleText(await renderBlock({ customer: { tier: "Bronze" } }))).not.toContain("Tier");
  });
});

describe("a guest", () => {
  it("sees the join copy, the earn rate and links to create an account or sign in", async () => {
    const html = await renderBlock({});
    expect(visibleText(html)).toBe("Your rewards Join our rewards program and earn points on every order. Earn 1 point for every USD you spend. Create an account Sign in");
    expect(html).toContain('href="/account/register"');
    expect(html).toContain('href="/account/login"');
  });

  it("reads a decimal earn rate in the shopper's language", async () => {
    const program = { ...SAMPLE_PROGRAM, earn_rate: "1.5", currency: "EUR" };
    expect(visibleText(await renderBlock({ program }))).toContain("Earn 1.5 points for every EUR you spend.");
    expect(visibleText(await renderBlock({ program, locale: "fr" }))).toContain("Gagnez 1,5 points par EUR dépensé.");
  });

  it("without the program metafield (before Roost's first write): the join copy without a rate", async () => {
    const text = visibleText(await renderBlock({ program: null }));
    expect(text).toBe("Your rewards Join our rewards program and earn points on every order. Create an account Sign in");
  });

  it("leaves out a rate of 0 and a rate without currency", async () => {
    expect(await renderBlock({ program: { ...SAMPLE_PROGRAM, earn_rate: "0" } })).not.toContain("data-roost-earn");
    expect(await renderBlock({ program: { enabled: true, earn_rate: "2" } })).not.toContain("data-roost-earn");
  });

  it("sees the merchant's message instead of the default copy, escaped", async () => {
    const text = visibleText(await renderBlock({ settings: { guest_message: "Birds of a feather <earn> together" } }));
    expect(text).toContain("Birds of a feather &lt;earn&gt; together Earn 1 point");
    expect(text).not.toContain("Join our rewards program");
  });

  it("gets no links when the shop has customer accounts turned off", async () => {
    const html = await renderBlock({ customerAccountsEnabled: false });
    expect(html).not.toContain("/account/");
    expect(visibleText(html)).toContain("Earn 1 point");
  });

  it("sees nothing when the merchant hides the join copy", async () => {
    expect((await renderBlock({ settings: { show_join: false } })).trim()).toBe("");
  });

  it("in French", async () => {
    expect(visibleText(await renderBlock({ locale: "fr" }))).toBe(
      "Vos récompenses Rejoignez notre programme de fidélité et gagnez des points à chaque commande. Gagnez 1 point par USD dépensé. Créer un compte Se connecter",
    );
  });
});

describe("a program the merchant turned off", () => {
  it("hides the block from everyone, and says why in the theme editor", async () => {
    const program = { ...SAMPLE_PROGRAM, enabled: false };
    expect((await renderBlock({ program })).trim()).toBe("");
    expect((await renderBlock({ program, customer: member })).trim()).toBe("");
    expect(visibleText(await renderBlock({ program, designMode: true }))).toBe("Roost's rewards program is turned off, so this block is hidden from shoppers.");
  });
});
