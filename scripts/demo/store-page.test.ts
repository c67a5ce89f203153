import { describe, expect, it } from "vitest";
import { createFakeShopify } from "../../test/support/fake-shopify";
import { renderStorePage } from "./store-page";

const SHOP = "page-test.myshopify.com";

describe("/__demo/store (the simulated store's customers and their tags)", () => {
  const fake = createFakeShopify();
  fake.store.registerShop(SHOP, { accessToken: "shpat_page_test" });
  fake.store.addCustomer(SHOP, { email: "bo.chen@example.com", firstName: "Bo", lastName: "Chen", tags: ["wholesale-inquiry", "roost-big-spenders", "roost-first-purchase"] });
  fake.store.addCustomer(SHOP, { email: "ana.lima@example.com", firstName: "Ana", lastName: "<Lima & co>", tags: ["newsletter"] });
  fake.store.addCustomer(SHOP, { email: "cleo.ward@example.com" });
  const html = renderStorePage(fake, SHOP, "roost-");
  const row = (email: string) => html.split("\n").find((line) => line.includes(`data-customer="${email}"`)) ?? "";
  const tagsIn = (line: string) => [...line.matchAll(/<span class="tag( roost)?" data-tag="([^"]+)">/g)].map((match) => `${match[2]}${match[1] ? " (Roost)" : ""}`);

  it("lists each customer by name and email, with every tag, Roost's marked", () => {
    expect(row("bo.chen@example.com")).toContain("<td>Bo Chen</td><td>bo.chen@example.com</td>");
    expect(tagsIn(row("bo.chen@example.com"))).toEqual(["roost-big-spenders (Roost)", "roost-first-purchase (Roost)", "wholesale-inquiry"]);
    expect(tagsIn(row("ana.lima@example.com"))).toEqual(["newsletter"]);
    expect(row("cleo.ward@example.com")).toContain("<td>(no name)</td>");
    expect(row("cleo.ward@example.com")).toContain("No tags");
  });

  it("shows the app's roost.program metafield once Roost has written it", () => {
    expect(html).toContain('<p class="none" data-app-metafield="roost.program">Not written yet.</p>');
    fake.store.setMetafield(SHOP, fake.store.appInstallationId(SHOP), { namespace: "roost", key: "program", type: "json", value: '{"enabled":true,"earn_rate":"1.5","currency":"USD","tiers":[]}' });
    const written = renderStorePage(fake, SHOP, "roost-");
    expect(written).toContain('<pre data-app-metafield="roost.program">{\n  &#34;enabled&#34;: true,\n  &#34;earn_rate&#34;: &#34;1.5&#34;');
  });

  it("escapes what the store holds and shows no GIDs", () => {
    expect(row("ana.lima@example.com")).toContain("<td>Ana &#60;Lima &#38; co&#62;</td>");
    expect(html).not.toContain("<Lima");
    expect(html).not.toMatch(/gid:\/\//);
  });
});
