import { readdirSync, readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { isJourneyEventType } from "../app/services/journeys/events";
import { FLOW_TRIGGERS, flowTriggerByHandle } from "../app/services/flow/triggers";

// Roost's Flow extensions as `shopify app deploy` reads them: the CLI refuses what these check
// (Shopify/cli packages/app: flow_trigger.ts, services/flow/constants.ts and validation.ts).

interface Field {
  type: string;
  key?: string;
  description?: string;
}
interface ExtensionToml {
  extensions: { name?: string; type?: string; handle?: string; description?: string; url?: string }[];
  settings?: { fields?: Field[] };
}

const dir = new URL("../extensions/", import.meta.url);
const tomls = readdirSync(dir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name.startsWith("roost-flow-"))
  .map((entry) => ({ folder: entry.name, toml: parse(readFileSync(new URL(`${entry.name}/shopify.extension.toml`, dir), "utf8")) as unknown as ExtensionToml }));
const triggers = tomls.filter(({ toml }) => toml.extensions[0]?.type === "flow_trigger");

/** Field types a flow_trigger may have: the CLI's trigger types, and the references it accepts on triggers. */
const TRIGGER_FIELD_TYPES = new Set(["boolean", "email", "single_line_text_field", "url", "number_decimal"]);
const TRIGGER_REFERENCES = new Set(["customer_reference", "order_reference", "product_reference", "company_reference", "company_contact_reference"]);

describe("Flow trigger extensions", () => {
  it("has one flow_trigger extension per trigger in code, and a lifecycle callback", () => {
    expect(triggers.map(({ toml }) => toml.extensions[0]!.handle).sort()).toEqual(Object.values(FLOW_TRIGGERS).map((trigger) => trigger.handle).sort());
    const callbacks = tomls.filter(({ toml }) => toml.extensions[0]?.type === "flow_trigger_lifecycle_callback");
    expect(callbacks).toHaveLength(1);
    // App-relative: the CLI resolves it against application_url (the tunnel under `shopify app dev`).
    expect(callbacks[0]!.toml.extensions[0]!.url).toBe("/flow/lifecycle");
  });

  it.each(triggers.map((trigger) => [trigger.folder, trigger.toml] as const))("%s is a valid flow_trigger that maps to a journey event", (_folder, toml) => {
    expect(toml.extensions).toHaveLength(1);
    const extension = toml.extensions[0]!;
    expect(extension.name).toEqual(expect.any(String));
    expect(extension.description).toEqual(expect.any(String));
    const handle = extension.handle!;
    expect(handle.length).toBeLessThanOrEqual(30);
    expect(handle).toMatch(/^[a-z0-9-]+$/);
    const spec = flowTriggerByHandle(handle);
    expect(spec, `${handle} has no trigger in app/services/flow/triggers.ts`).toBeDefined();
    expect(isJourneyEventType(spec!.event)).toBe(true);

    const fields = toml.settings?.fields ?? [];
    // Flow needs the customer: every Roost trigger sends customer_id.
    expect(fields.filter((field) => field.type === "customer_reference")).toHaveLength(1);
    for (const field of fields) {
      if (TRIGGER_REFERENCES.has(field.type)) {
        expect(field.key).toBeUndefined();
        continue;
      }
      expect(TRIGGER_FIELD_TYPES.has(field.type), `${handle}: ${field.type} is not a Flow trigger field type`).toBe(true);
      // The CLI: "String must contain only alphabetic characters and spaces".
      expect(field.key).toMatch(/^[a-zA-Z\s]+$/);
      expect(field.description).toEqual(expect.any(String));
    }
    // The toml's keys and types are the ones the sender fills in, in the same order.
    expect(fields.filter((field) => field.key).map((field) => ({ key: field.key, type: field.type }))).toEqual(spec!.fields.map((field) => ({ key: field.key, type: field.type })));
  });
});
