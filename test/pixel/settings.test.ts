import { describe, expect, it } from "vitest";
import { parseSettings } from "../../extensions/roost-pixel/src/settings";

const valid = {
  orgId: "org_7Hq2",
  apiEndpoint: "https://roost.example/ingest/events",
  samplingRate: "0.25",
  enableConsoleLogging: "true",
  metaPixelId: "1234567890123",
};

describe("pixel settings", () => {
  it("parses every key from its text field", () => {
    expect(parseSettings(valid)).toEqual({
      ok: true,
      problems: [],
      settings: {
        orgId: "org_7Hq2",
        apiEndpoint: "https://roost.example/ingest/events",
        samplingRate: 0.25,
        consoleLogging: true,
        metaPixelId: "1234567890123",
      },
    });
  });

  it("needs an orgId", () => {
    for (const orgId of [undefined, "", "   ", "org id with spaces", "x".repeat(65), 42]) {
      const result = parseSettings({ ...valid, orgId });
      expect(result.ok, String(orgId)).toBe(false);
    }
    expect(parseSettings(null).ok).toBe(false);
  });

  it("empty strings (how Roost fills unused keys) give the defaults", () => {
    const result = parseSettings({ orgId: "org_1", apiEndpoint: "", samplingRate: "", enableConsoleLogging: "", metaPixelId: "" });
    expect(result).toEqual({
      ok: true,
      problems: ["apiEndpoint is empty"],
      settings: { orgId: "org_1", apiEndpoint: null, samplingRate: 1, consoleLogging: false, metaPixelId: null },
    });
  });

  it("takes an https endpoint, or http only on the developer's own machine", () => {
    const endpoint = (apiEndpoint: string) => {
      const result = parseSettings({ ...valid, apiEndpoint });
      return result.ok ? result.settings.apiEndpoint : "refused";
    };
    expect(endpoint("http://localhost:3000/ingest/events")).toBe("http://localhost:3000/ingest/events");
    expect(endpoint("http://127.0.0.1:3000/ingest/events")).toBe("http://127.0.0.1:3000/ingest/events");
    expect(endpoint("http://roost.example/ingest/events")).toBeNull();
    expect(endpoint("javascript:alert(1)")).toBeNull();
    expect(endpoint("not a url")).toBeNull();
  });

  it("a sampling rate outside 0..1 or not a number falls back to 1 and is reported", () => {
    for (const samplingRate of ["1.5", "-0.1", "50%", "abc", "Infinity"]) {
      const result = parseSettings({ ...valid, samplingRate });
      expect(result.ok && result.settings.samplingRate, samplingRate).toBe(1);
      expect(result.problems.join(), samplingRate).toContain("samplingRate");
    }
    for (const [text, rate] of [["0", 0], ["1", 1], [" 0.5 ", 0.5]] as const) {
      const result = parseSettings({ ...valid, samplingRate: text });
      expect(result.ok && result.settings.samplingRate).toBe(rate);
    }
  });

  it("logging is on only for the exact text \"true\"; a Meta pixel id must be numeric", () => {
    for (const flag of ["false", "1", "yes", "TRUE"]) {
      const result = parseSettings({ ...valid, enableConsoleLogging: flag });
      expect(result.ok && result.settings.consoleLogging, flag).toBe(false);
    }
    const meta = parseSettings({ ...valid, metaPixelId: "fbq('init')" });
    expect(meta.ok && meta.settings.metaPixelId).toBeNull();
    expect(meta.problems.join()).toContain("metaPixelId");
  });
});
