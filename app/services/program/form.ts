import { CHANNELS, type Channel, MAX_BONUS, type Program, programSchema } from "./settings";

/** The program settings a merchant edits on the Settings page (countShipping lives beside the program). */
export interface ProgramSettings {
  program: Program;
  countShipping: boolean;
}

/** Field errors keyed by path: "earnRate", "tiers", "tiers.1.threshold", "enrolment.tag"… */
export type ProgramErrors = Record<string, string>;

export const CHANNEL_LABELS: Record<Channel, string> = {
  online_store: "Online store",
  pos: "Point of sale",
  draft: "Draft orders",
  b2b: "B2B",
  other: "Other channels (apps, marketplaces)",
};

const WHOLE = /^\d+$/;
const MAX_POINTS = 1_000_000_000;
const wholePoints = (value: string | undefined) => !!value && WHOLE.test(value) && Number(value) <= MAX_POINTS;

function realDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
};
const texts = (form: FormData, name: string) => form.getAll(name).map((value) => (typeof value === "string" ? value.trim() : ""));
// A checkbox is sent only when ticked; "false" is accepted too, for clients that always send it.
const checked = (form: FormData, name: string) => {
  const value = form.get(name);
  return value !== null && value !== "false";
};

/**
 * The program form → validated settings, or field errors. The form's own checks give readable
 * messages for what it types (numbers, dates, names); the rules themselves (decimals, the first
 * tier at 0, increasing thresholds, a tag for tag enrolment) are settings.ts's programSchema.
 */
export function parseProgramForm(form: FormData, shop: { cohortTagPrefix?: string } = {}): { ok: true; value: ProgramSettings } | { ok: false; errors: ProgramErrors } {
  const errors: ProgramErrors = {};

  const startDate = text(form, "startDate");
  if (startDate && !realDate(startDate)) errors.startDate = "Enter a date as YYYY-MM-DD";

  const channels = [...texts(form, "channels[]"), ...texts(form, "channels")].filter(Boolean);
  const unknown = channels.filter((channel) => !(CHANNELS as readonly string[]).includes(channel));
  if (unknown.length) errors.channels = `Unknown channel: ${unknown.join(", ")}`;

  const names = texts(form, "tierName");
  const thresholds = texts(form, "tierThreshold");
  const multipliers = texts(form, "tierMultiplier");
  if (names.length !== thresholds.length || names.length !== multipliers.length) {
    errors.tiers = "Each tier needs a name, a threshold and a multiplier";
  } else if (names.length === 0) {
    errors.tiers = "Keep at least one tier";
  }
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (!name) errors[`tiers.${index}.name`] = "Enter a tier name";
    else if (name.length > 40) errors[`tiers.${index}.name`] = "Keep the name under 40 characters";
    else if (seen.has(name.toLowerCase())) errors[`tiers.${index}.name`] = "Each tier needs its own name";
    seen.add(name.toLowerCase());
    if (!wholePoints(thresholds[index])) errors[`tiers.${index}.threshold`] = "Enter a whole number of points, from 0 to 1,000,000,000";
  });

  const dailyCap = text(form, "dailyCap") || "0";
  if (!wholePoints(dailyCap)) errors.dailyCap = "Enter a whole number of points up to 1,000,000,000, or 0 for no cap";

  const mode = text(form, "enrolment") || "email";
  if (mode !== "email" && mode !== "tag") errors.enrolment = "Choose who becomes a member";
  const tag = text(form, "enrolmentTag");
  if (mode === "tag" && !tag) errors["enrolment.tag"] = "Enter the customer tag that makes a customer a member";
  // Roost writes the cohort tags itself: one of them enrolling customers would make cohorts feed enrolment.
  const prefix = shop.cohortTagPrefix ?? "";
  if (mode === "tag" && tag && prefix && tag.toLowerCase().startsWith(prefix.toLowerCase())) {
    errors["enrolment.tag"] = `Tags starting with "${prefix}" are Roost's cohort tags: choose another tag for enrolment`;
  }

  // Bonuses: whole points, empty for none.
  const bonus = (name: "signupBonus" | "birthdayBonus") => {
    const value = text(form, name) || "0";
    if (WHOLE.test(value) && Number(value) <= MAX_BONUS) return Number(value);
    errors[name] = `Enter a whole number of points up to ${MAX_BONUS.toLocaleString("en-US")}, or 0 for none`;
    return 0;
  };
  const signupBonus = bonus("signupBonus");
  const birthdayBonus = bonus("birthdayBonus");
  const birthdayMetafield = text(form, "birthdayMetafield") || "facts.birth_date";

  // Expiry: "never", or "months" with a whole number of months from 1 to 60.
  const expiry = text(form, "expiry") || "never";
  let expiryMonths: number | null = null;
  if (expiry === "months") {
    const months = text(form, "expiryMonths");
    if (!WHOLE.test(months) || Number(months) < 1 || Number(months) > 60) errors.expiryMonths = "Enter a whole number of months from 1 to 60";
    else expiryMonths = Number(months);
  } else if (expiry !== "never") {
    errors.expiry = "Choose when points expire";
  }

  // The value of a point (minor units of the shop currency), empty for none: the schema checks it.
  const pointValue = text(form, "pointValue");

  const candidate = {
    enabled: checked(form, "enabled"),
    startDate: startDate || null,
    earnRate: text(form, "earnRate"),
    channels: unknown.length ? [] : [...new Set(channels)],
    tiers: names.map((name, index) => ({
      name,
      threshold: wholePoints(thresholds[index]) ? Number(thresholds[index]) : 0,
      multiplier: multipliers[index] ?? "",
    })),
    dailyCap: wholePoints(dailyCap) ? Number(dailyCap) : 0,
    enrolment: mode === "tag" ? { mode: "tag" as const, tag } : { mode: "email" as const },
    retroactive: checked(form, "retroactive"),
    signupBonus,
    birthdayBonus,
    birthdayMetafield,
    expiryMonths,
    pointValue: pointValue || null,
  };
  const parsed = programSchema.safeParse(candidate);
  if (!parsed.success) {
    // A tier whose threshold did not parse stands in as 0: its own error says why, and the
    // list-wide "must increase" would only be noise until it is fixed.
    const tierTyped = Object.keys(errors).some((key) => /^tiers\.\d+\.threshold$/.test(key));
    for (const issue of parsed.error.issues) {
      const key = issue.path.join(".");
      if (key === "tiers" && tierTyped) continue;
      errors[key] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: { program: parsed.data, countShipping: checked(form, "countShipping") } };
}
