import fs from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { WebPixelCreateMutation } from "../../app/graphql/WebPixelCreateMutation";
import { WebPixelDeleteMutation } from "../../app/graphql/WebPixelDeleteMutation";
import { WebPixelQuery } from "../../app/graphql/WebPixelQuery";
import { WebPixelUpdateMutation } from "../../app/graphql/WebPixelUpdateMutation";
import { createFakeShopify, DEFAULT_WEB_PIXEL_REQUIRED, DEFAULT_WEB_PIXEL_SETTINGS } from "../support/fake-shopify";

const SHOP = "pixel-fake.myshopify.com";
const ALL = { orgId: "org-1", apiEndpoint: "https://roost.example/ingest/events", samplingRate: "1", enableConsoleLogging: "false", metaPixelId: "" };

function fake(options: { webPixelSettings?: readonly string[] | null } = {}) {
  const shopify = createFakeShopify(options);
  shopify.store.registerShop(SHOP, { accessToken: "shpat_pixel" });
  return shopify;
}

type Payload = { webPixel: { id: string; settings: string } | null; userErrors: { code: string; field: string[] | null; message: string }[] };

function create(shopify: ReturnType<typeof fake>, settings: unknown) {
  const { body } = shopify.graphql<{ webPixelCreate: Payload }>(SHOP, WebPixelCreateMutation, { webPixel: { settings } });
  return { payload: body.data!.webPixelCreate, cost: body.extensions?.cost };
}

describe("the fake Admin API's web pixels", () => {
  it("validates against the settings definition of Roost's extension (extensions/roost-pixel/shopify.extension.toml)", () => {
    type Field = { type: string; validations?: { name: string; value: string }[] };
    const toml = parse(fs.readFileSync("extensions/roost-pixel/shopify.extension.toml", "utf8")) as { settings: { fields: Record<string, Field> } };
    const fields = Object.entries(toml.settings.fields);
    expect(fields.map(([key]) => key)).toEqual(DEFAULT_WEB_PIXEL_SETTINGS);
    expect(fields.every(([, field]) => field.type === "single_line_text_field")).toBe(true);
    expect(fields.filter(([, field]) => field.validations?.some((rule) => rule.name === "min" && rule.value === "1")).map(([key]) => key)).toEqual(DEFAULT_WEB_PIXEL_REQUIRED);
  });

  it("creates the app's pixel when the settings carry exactly the extension's keys, as strings, at a mutation's cost", () => {
    const shopify = fake();
    const { payload, cost } = create(shopify, JSON.stringify(ALL));

    expect(payload.userErrors).toEqual([]);
    expect(payload.webPixel?.id).toMatch(/^gid:\/\/shopify\/WebPixel\/\d+$/);
    expect(JSON.parse(payload.webPixel!.settings)).toEqual(ALL);
    expect(cost?.requestedQueryCost).toBe(10);
    expect(shopify.store.findState(SHOP)?.webPixel?.id).toBe(payload.webPixel?.id);
    expect(DEFAULT_WEB_PIXEL_SETTINGS).toEqual(Object.keys(ALL));
  });

  it("refuses a missing key, an unknown key, a value that is not a string, blank settings and bad JSON, and stores nothing", () => {
    const shopify = fake();
    const { metaPixelId: _omitted, ...missing } = ALL;
    const cases: [unknown, string, RegExp][] = [
      [JSON.stringify(missing), "INVALID_SETTINGS", /missing 'metaPixelId'/],
      [JSON.stringify({ ...ALL, accountId: "1" }), "INVALID_SETTINGS", /'accountId', not defined/],
      [JSON.stringify({ ...ALL, samplingRate: 1 }), "INVALID_SETTINGS", /'samplingRate' must be a string/],
      [JSON.stringify({ ...ALL, orgId: "" }), "INVALID_SETTINGS", /'orgId' is too short/],
      ["", "BLANK", /can't be blank/],
      ["{orgId:", "INVALID_CONFIGURATION_JSON", /not valid JSON/],
      [JSON.stringify(["orgId"]), "INVALID_CONFIGURATION_JSON", /JSON object/],
    ];
    for (const [settings, code, message] of cases) {
      const { payload } = create(shopify, settings);
      expect(payload.webPixel, String(settings)).toBeNull();
      expect(payload.userErrors).toHaveLength(1);
      expect(payload.userErrors[0]).toMatchObject({ code, field: ["webPixel", "settings"] });
      expect(payload.userErrors[0].message).toMatch(message);
    }
    expect(shopify.store.findState(SHOP)?.webPixel).toBeNull();
  });

  it("allows one pixel per app per shop (TAKEN), and the webPixel query returns it", () => {
    const shopify = fake();
    const first = create(shopify, JSON.stringify(ALL)).payload.webPixel!;
    const second = create(shopify, JSON.stringify({ ...ALL, samplingRate: "0.5" })).payload;

    expect(second.webPixel).toBeNull();
    expect(second.userErrors.map((error) => error.code)).toEqual(["TAKEN"]);
    const { body } = shopify.graphql<{ webPixel: { id: string; settings: string } }>(SHOP, WebPixelQuery);
    expect(body.data?.webPixel).toEqual(first);
  });

  it("answers the webPixel query with an error when the app has no pixel", () => {
    const { body } = fake().graphql(SHOP, WebPixelQuery);
    expect(body.data?.webPixel).toBeNull();
    expect(body.errors?.[0]?.message).toBe("No web pixel was found for this app.");
  });

  it("updates and deletes by id, with NOT_FOUND for an id it does not hold", () => {
    const shopify = fake();
    const pixel = create(shopify, JSON.stringify(ALL)).payload.webPixel!;
    const update = (id: string, settings: unknown) =>
      shopify.graphql<{ webPixelUpdate: Payload }>(SHOP, WebPixelUpdateMutation, { id, webPixel: { settings } }).body.data!.webPixelUpdate;
    const remove = (id: string) =>
      shopify.graphql<{ webPixelDelete: { deletedWebPixelId: string | null; userErrors: { code: string }[] } }>(SHOP, WebPixelDeleteMutation, { id }).body.data!.webPixelDelete;

    expect(update("gid://shopify/WebPixel/1", JSON.stringify(ALL)).userErrors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
    const { samplingRate: _dropped, ...missing } = ALL;
    expect(update(pixel.id, JSON.stringify(missing)).userErrors[0]).toMatchObject({ code: "INVALID_SETTINGS" });
    expect(JSON.parse(shopify.store.findState(SHOP)!.webPixel!.settings).samplingRate).toBe("1");
    const updated = update(pixel.id, JSON.stringify({ ...ALL, samplingRate: "0.25" }));
    expect(updated.userErrors).toEqual([]);
    expect(JSON.parse(updated.webPixel!.settings).samplingRate).toBe("0.25");

    expect(remove("gid://shopify/WebPixel/1").userErrors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
    expect(remove(pixel.id)).toEqual({ deletedWebPixelId: pixel.id, userErrors: [] });
    expect(remove(pixel.id).userErrors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
    expect(shopify.store.findState(SHOP)?.webPixel).toBeNull();
  });

  it("answers NO_EXTENSION for an app without a web pixel extension, and refuses the lax runtime context for an app pixel", () => {
    expect(create(fake({ webPixelSettings: null }), JSON.stringify(ALL)).payload.userErrors.map((error) => error.code)).toEqual(["NO_EXTENSION"]);
    const shopify = fake();
    const { body } = shopify.graphql<{ webPixelCreate: Payload }>(SHOP, WebPixelCreateMutation, { webPixel: { settings: JSON.stringify(ALL), runtimeContext: "LAX" } });
    expect(body.data?.webPixelCreate.userErrors[0]).toMatchObject({ code: "INVALID_RUNTIME_CONTEXT", field: ["webPixel", "runtimeContext"] });
  });
});
