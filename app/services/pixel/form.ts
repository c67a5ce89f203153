import { type PixelSettings, pixelSettingsSchema } from "../program/settings";

/** The pixel settings a merchant edits on the Settings page, with field errors keyed by name. */
export type EditablePixelSettings = Omit<PixelSettings, "disconnected" | "installedAt">;

export type PixelForm = { ok: true; value: EditablePixelSettings } | { ok: false; errors: Partial<Record<"samplingRate" | "metaPixelId", string>> };

export function parsePixelForm(form: FormData): PixelForm {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const logging = form.get("enableConsoleLogging");
  const parsed = pixelSettingsSchema.omit({ disconnected: true, installedAt: true }).safeParse({
    samplingRate: text("samplingRate"),
    enableConsoleLogging: logging !== null && logging !== "false",
    metaPixelId: text("metaPixelId"),
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: Partial<Record<"samplingRate" | "metaPixelId", string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    if ((field === "samplingRate" || field === "metaPixelId") && !errors[field]) errors[field] = issue.message;
  }
  return { ok: false, errors };
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function relativeTime(when: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - when.getTime()) / 1000));
  if (seconds < 60) return "just now";
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [size, unit] of units) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
  }
  return "just now";
}
