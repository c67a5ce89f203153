import type { createFakeShopify } from "../../test/support/fake-shopify";

type Fake = ReturnType<typeof createFakeShopify>;

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * `/__demo/store`: the simulated store's customers as its Shopify admin would list them, with
 * every tag they carry — Roost's cohort tags (`prefix` marks them) beside the tags other apps
 * wrote, which Roost never touches. The stand-in for opening the customer in Shopify admin.
 */
export function renderStorePage(fake: Fake, shop: string, prefix: string): string {
  const rows = fake.store
    .customers(shop)
    .sort((a, b) => (a.email ?? "").localeCompare(b.email ?? ""))
    .map((customer) => {
      const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ") || "(no name)";
      const tags = [...customer.tags]
        .sort()
        .map((tag) => `<span class="tag${tag.startsWith(prefix) ? " roost" : ""}" data-tag="${escape(tag)}">${escape(tag)}</span>`)
        .join(" ");
      return `<tr data-customer="${escape(customer.email ?? "")}"><td>${escape(name)}</td><td>${escape(customer.email ?? "")}</td><td>${tags || '<span class="none">No tags</span>'}</td></tr>`;
    })
    .join("\n");
  const program = fake.store.appMetafields(shop).find((metafield) => metafield.namespace === "roost" && metafield.key === "program");
  const appData = program
    ? `<pre data-app-metafield="roost.program">${escape(JSON.stringify(JSON.parse(program.value), null, 2))}</pre>`
    : '<p class="none" data-app-metafield="roost.program">Not written yet.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Customers · ${escape(shop)} (simulated store)</title>
<style>
  body { font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", sans-serif; margin: 2rem; color: #303030; background: #f1f1f1; }
  main { background: #fff; border-radius: 12px; padding: 1rem 1.5rem; max-width: 960px; box-shadow: 0 1px 2px rgba(0,0,0,.1); }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  .tag { display: inline-block; background: #e3e3e3; border-radius: 8px; padding: 0 .5rem; margin: 0 .25rem .25rem 0; }
  .tag.roost { background: #d5ebff; } .none { color: #616161; }
</style></head>
<body><main>
<h1>Customers</h1>
<p>The simulated store behind <code>npm run demo</code>, as its Shopify admin would show it. Tags in blue are the cohort tags Roost wrote (prefix <code>${escape(prefix)}</code>); the others belong to other apps and are never touched. Reload to see the tag writer catch up.</p>
<table><thead><tr><th>Customer</th><th>Email</th><th>Tags</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Roost's app data</h2>
<p>The <code>roost.program</code> metafield on Roost's app installation: what the Roost points theme block reads as <code>app.metafields.roost.program</code> (the earn rate it shows guests).</p>
${appData}
</main></body></html>`;
}
