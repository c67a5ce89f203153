import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { I18nLike } from "../../extensions/roost-account/src/view";
import type { Loyalty, Member, Reward } from "../../extensions/roost-account/src/types";

// A thin fake of what the extension reads from the `shopify` global, built on the real locale
// files: translate resolves dotted keys, picks the plural form with Intl.PluralRules for `count`
// and fills {{placeholders}}, like Shopify's i18n; the formatters are Intl's. It throws on a
// missing key or placeholder, so a sentence that would show a raw key fails the test instead.

export const EXTENSION = join(import.meta.dirname, "../../extensions/roost-account");

export type Locale = "en" | "fr";
export const LOCALE_FILES: Record<Locale, string> = { en: "en.default.json", fr: "fr.json" };
const TAGS: Record<Locale, string> = { en: "en-US", fr: "fr-FR" };

type Tree = { [key: string]: string | Tree };

export const localeMessages = (locale: Locale): Tree => JSON.parse(readFileSync(join(EXTENSION, "locales", LOCALE_FILES[locale]), "utf8"));

export function fakeI18n(locale: Locale): I18nLike {
  const messages = localeMessages(locale);
  const plural = new Intl.PluralRules(TAGS[locale]);
  const tag = TAGS[locale];
  return {
    translate(key, options = {}) {
      let value: string | Tree | undefined = messages;
      for (const part of key.split(".")) value = typeof value === "object" ? value[part] : undefined;
      if (value && typeof value === "object") {
        if (typeof options.count !== "number") throw new Error(`"${key}" has plural forms but no count was given`);
        value = value[plural.select(options.count)] ?? value.other;
      }
      if (typeof value !== "string") throw new Error(`no "${key}" in ${LOCALE_FILES[locale]}`);
      return value.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
        if (!(name in options)) throw new Error(`"${key}" needs {{${name}}}`);
        return String(options[name]);
      });
    },
    formatNumber: (value, { inExtensionLocale: _, ...options } = {}) => new Intl.NumberFormat(tag, options).format(value),
    formatCurrency: (value, { inExtensionLocale: _, ...options } = {}) => new Intl.NumberFormat(tag, { style: "currency", ...options }).format(value),
    formatDate: (date, { inExtensionLocale: _, ...options } = {}) => new Intl.DateTimeFormat(tag, { timeZone: "UTC", ...options }).format(date),
  };
}

/** French puts narrow no-break spaces in numbers and before % and €: plain spaces read better in assertions. */
export const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

/** The `shopify` global as the components use it. */
export function fakeShopify(locale: Locale = "en") {
  const toasts: string[] = [];
  const navigations: string[] = [];
  return {
    i18n: fakeI18n(locale),
    sessionToken: { get: async () => "session-token" },
    toast: { show: async (message: string) => (toasts.push(message), { hide: () => {} }) },
    navigation: { navigate: (url: string) => void navigations.push(url) },
    toasts,
    navigations,
  };
}

export const USD = { enabled: true, earnRate: "1", currency: "USD", currencyExponent: 2 };

export const reward = (overrides: Partial<Reward> = {}): Reward => ({
  id: "reward-5-off",
  name: "$5 off",
  type: "fixed_amount",
  value: 500,
  minimumSubtotal: null,
  pointsCost: 50,
  affordable: true,
  pointsNeeded: 0,
  ...overrides,
});

export const member = (overrides: Partial<Member> = {}): Member => ({
  balance: 80,
  tier: "Bronze",
  tierPoints: 380,
  nextTier: { name: "Silver", pointsNeeded: 120 },
  ledger: [
    { id: "l3", kind: "redemption", points: -50, createdAt: "2026-12-03T10:00:00.000Z", orderName: null, rewardName: "$5 off", bonus: null },
    { id: "l2", kind: "earn", points: 57, createdAt: "2026-12-02T10:00:00.000Z", orderName: "#1001", rewardName: null, bonus: null },
    { id: "l1", kind: "bonus", points: 100, createdAt: "2026-12-01T10:00:00.000Z", orderName: null, rewardName: null, bonus: "signup" },
    { id: "l0", kind: "earn", points: 1, createdAt: "2026-11-30T10:00:00.000Z", orderName: "#1000", rewardName: null, bonus: null },
  ],
  ...overrides,
});

export const loyalty = (overrides: Partial<Loyalty> = {}): Loyalty => ({
  program: USD,
  member: member(),
  rewards: [
    reward(),
    reward({ id: "reward-ship", name: "Free shipping", type: "free_shipping", value: null, pointsCost: 30 }),
    reward({ id: "reward-10", name: "10% off", type: "percentage", value: 10, minimumSubtotal: 5000, pointsCost: 200, affordable: false, pointsNeeded: 120 }),
  ],
  redemptions: [{ id: "red-1", rewardName: "$5 off", status: "issued", code: "ROOST-5OFF-AB12", points: 50, createdAt: "2026-12-03T10:00:00.000Z" }],
  ...overrides,
});
