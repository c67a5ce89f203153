// The pixel's settings arrive as strings (single_line_text_field); they are parsed here rather
// than with zod because the pixel's bundle has a 10 KB budget.

export interface PixelSettings {
  orgId: string;
  /** Where batches go; null when unset or not a usable URL (then nothing is sent). */
  apiEndpoint: string | null;
  /** Share of visitors sampled in, 0..1. */
  samplingRate: number;
  consoleLogging: boolean;
  /** Numeric Meta pixel id, or null when forwarding is off. */
  metaPixelId: string | null;
}

export type SettingsResult = { ok: true; settings: PixelSettings; problems: string[] } | { ok: false; problems: string[] };

const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;
const META_PIXEL_ID = /^\d{5,20}$/;

function text(raw: Record<string, unknown> | null | undefined, key: string): string {
  const value = raw?.[key];
  return typeof value === "string" ? value.trim() : "";
}

function parseEndpoint(value: string): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  // Plain http only for a developer's own machine.
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) return null;
  return url.href;
}

/** Reads the merchant's settings; without a valid orgId the pixel does nothing. */
export function parseSettings(raw: Record<string, unknown> | null | undefined): SettingsResult {
  const problems: string[] = [];
  const orgId = text(raw, "orgId");
  if (!ORG_ID.test(orgId)) return { ok: false, problems: ["orgId is missing or invalid"] };

  const endpointText = text(raw, "apiEndpoint");
  const apiEndpoint = parseEndpoint(endpointText);
  if (!apiEndpoint) problems.push(endpointText ? "apiEndpoint is not an https URL" : "apiEndpoint is empty");

  let samplingRate = 1;
  const rateText = text(raw, "samplingRate");
  if (rateText) {
    const rate = Number(rateText);
    if (Number.isFinite(rate) && rate >= 0 && rate <= 1) samplingRate = rate;
    else problems.push("samplingRate must be a number from 0 to 1; using 1");
  }

  const metaText = text(raw, "metaPixelId");
  const metaPixelId = META_PIXEL_ID.test(metaText) ? metaText : null;
  if (metaText && !metaPixelId) problems.push("metaPixelId is not a Meta pixel id; forwarding is off");

  return {
    ok: true,
    problems,
    settings: {
      orgId,
      apiEndpoint,
      samplingRate,
      consoleLogging: text(raw, "enableConsoleLogging") === "true",
      metaPixelId,
    },
  };
}
