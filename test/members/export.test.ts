import { beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loader as exportLoader } from "../../app/routes/app.members.export";
import { csvField, EXPORT_BATCH, EXPORT_COLUMNS, membersCsv } from "../../app/services/members/export.server";
import { adminRequest, sessionToken } from "../support/shopify";
import { args, programShop } from "./helpers";

let shop: string;
let shopId: string;
let other: string;
let otherId: string;

const HEADER = EXPORT_COLUMNS.join(",");

/** A minimal RFC 4180 reader: enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ",") {
      endField();
    } else if (!quoted && char === "\r" && text[i + 1] === "\n") {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else {
      field += char;
    }
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

async function collect(chunks: AsyncGenerator<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

const exportShop = async (id: string) => db.shop.findUniqueOrThrow({ where: { id } });

const day = (iso: string) => new Date(iso);

async function member(id: string, data: { gid?: number | null; email?: string | null; firstName?: string | null; lastName?: string | null; tier?: string; balance?: number; createdAt: Date; redactedAt?: Date; externalId?: string }) {
  return db.member.create({
    data: {
      shopId: id,
      customerGid: data.gid ? `gid://shopify/Customer/${data.gid}` : null,
      externalId: data.externalId ?? null,
      email: data.email ?? null,
      firstName: data.firstName ?? null,
      lastName: data.lastName ?? null,
      tier: data.tier ?? "Bronze",
      balance: data.balance ?? 0,
      createdAt: data.createdAt,
      redactedAt: data.redactedAt ?? null,
    },
  });
}

let seq = 0;
const entry = (memberId: string, kind: string, points: number, at = day("2026-11-02T12:00:00Z")) =>
  db.ledgerEntry.create({ data: { shopId, memberId, seq: ++seq, kind, points, balanceAfter: 0, idempotencyKey: `test:${seq}`, occurredAt: at } });

const order = (gid: number, processedAt: Date, extra: { deletedAt?: Date; test?: boolean; shop?: string } = {}) =>
  db.order.create({
    data: {
      shopId: extra.shop ?? shopId,
      gid: `gid://shopify/Order/${gid}`,
      customerGid: `gid://shopify/Customer/${Math.floor(gid / 10)}`,
      processedAt,
      currency: "USD",
      linesAmount: 1000,
      eligibleAmount: 1000,
      shopifyUpdatedAt: processedAt,
      deletedAt: extra.deletedAt ?? null,
      test: extra.test ?? false,
    },
  });

beforeAll(async () => {
  ({ shop, shopId } = await programShop());
  ({ shop: other, shopId: otherId } = await programShop());
  // Shop-local days: Los Angeles is 8 hours behind UTC in November.
  await db.shop.update({ where: { id: shopId }, data: { timezone: "America/Los_Angeles" } });

  const ana = await member(shopId, { gid: 7001, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima", tier: "Gold", balance: 120, createdAt: day("2026-03-01T10:00:00Z") });
  await member(shopId, { gid: 7002, email: "bo.chen@example.com", firstName: "=HYPERLINK(\"http://evil\")", lastName: "Chen, Jr.", balance: -15, createdAt: day("2026-03-02T10:00:00Z") });
  await member(shopId, { gid: 7003, email: "@cleo@example.com", firstName: "Cleo\nWard", lastName: "+1", createdAt: day("2026-03-03T05:00:00Z") });
  await member(shopId, { gid: null, email: null, tier: "Silver", balance: 40, createdAt: day("2026-03-04T10:00:00Z"), redactedAt: day("2026-10-01T00:00:00Z") });
  await member(shopId, { externalId: "pos-77", email: "-dana@example.com", firstName: "Dana", createdAt: day("2026-03-05T10:00:00Z") });
  // The same person in another shop: never in this shop's export.
  await member(otherId, { gid: 9001, email: "other.shop@example.com", firstName: "Other", lastName: "Shop", createdAt: day("2026-03-01T11:00:00Z") });

  await entry(ana.id, "earn", 100);
  await entry(ana.id, "bonus", 50);
  await entry(ana.id, "clawback", -20);
  await entry(ana.id, "redemption", -10);
  await entry(ana.id, "adjustment", 5);
  // Ana's last live order was placed on the evening of 4 November in Los Angeles (5 November in UTC).
  await order(70011, day("2026-10-20T12:00:00Z"));
  await order(70012, day("2026-11-05T03:00:00Z"));
  await order(70013, day("2026-11-20T12:00:00Z"), { deletedAt: day("2026-11-21T00:00:00Z") });
  await order(70014, day("2026-11-25T12:00:00Z"), { test: true });
  await order(70015, day("2026-12-01T12:00:00Z"), { shop: otherId });

  const rule = await db.cohortRule.create({ data: { shopId, key: "vip", template: "spend-threshold" } });
  const second = await db.cohortRule.create({ data: { shopId, key: "at-risk", template: "lapsed" } });
  for (const ruleId of [rule.id, second.id]) {
    await db.cohortMembership.create({ data: { shopId, ruleId, subjectKey: `member:${ana.id}`, memberId: ana.id, transitionId: `t-${ruleId}`, enteredAt: day("2026-11-01T00:00:00Z") } });
  }
});

describe("csvField", () => {
  it("quotes commas, quotes and newlines, and neutralises a leading = + - @ tab or carriage return", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("Chen, Jr.")).toBe('"Chen, Jr."');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-1")).toBe("'-1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField('=HYPERLINK("x"),y')).toBe(`"'=HYPERLINK(""x""),y"`);
    expect(csvField(-15)).toBe("-15");
    expect(csvField(null)).toBe("");
  });
});

describe("membersCsv", () => {
  it("writes every member of the shop, in enrolment order, with the agreed columns", async () => {
    const rows = parseCsv((await collect(membersCsv(db, await exportShop(shopId)))).join(""));
    expect(rows).toEqual([
      [...EXPORT_COLUMNS],
      // lifetime earned: earn 100 + bonus 50 - clawback 20 (redemptions and adjustments are not earnings).
      ["Ana Lima", "ana.lima@example.com", "7001", "Gold", "120", "130", "2026-11-04", "2026-03-01", "roost-at-risk;roost-vip"],
      ['\'=HYPERLINK("http://evil") Chen, Jr.', "bo.chen@example.com", "7002", "Bronze", "-15", "0", "", "2026-03-02", ""],
      // Enrolled at 05:00 UTC on 3 March: still 2 March in Los Angeles.
      ["Cleo\nWard +1", "'@cleo@example.com", "7003", "Bronze", "0", "0", "", "2026-03-02", ""],
      // Redacted: tier and points kept, nothing personal.
      ["", "", "", "Silver", "40", "0", "", "2026-03-04", ""],
      ["Dana", "'-dana@example.com", "", "Bronze", "0", "0", "", "2026-03-05", ""],
    ]);
  });

  it("never writes another shop's members", async () => {
    const mine = (await collect(membersCsv(db, await exportShop(shopId)))).join("");
    expect(mine).not.toContain("other.shop@example.com");
    expect(mine).not.toContain("9001");
    const theirs = parseCsv((await collect(membersCsv(db, await exportShop(otherId)))).join(""));
    expect(theirs.map((row) => row[1])).toEqual(["email", "other.shop@example.com"]);
    // Their order is theirs: Ana's last order date does not come from it, and theirs has no Roost member with that customer.
    expect(theirs[1][6]).toBe("");
  });

  it("reads the members in batches, one chunk each, the same rows as one batch", async () => {
    const exportRow = await exportShop(shopId);
    const batched = await collect(membersCsv(db, exportRow, { batchSize: 2 }));
    // The header, then 2 + 2 + 1 members.
    expect(batched).toHaveLength(4);
    expect(batched[0]).toBe(`${HEADER}\r\n`);
    expect(batched.slice(1).map((chunk) => parseCsv(chunk).length)).toEqual([2, 2, 1]);
    expect(batched.join("")).toBe((await collect(membersCsv(db, exportRow))).join(""));
    // Members enrolled in the same millisecond are neither skipped nor repeated across a batch boundary.
    const { shopId: tiedShop } = await programShop();
    const at = day("2026-05-05T00:00:00Z");
    for (let i = 0; i < 5; i++) await member(tiedShop, { gid: 8000 + i, email: `tied${i}@example.com`, createdAt: at });
    const tied = parseCsv((await collect(membersCsv(db, await exportShop(tiedShop), { batchSize: 2 }))).join(""));
    expect(tied.slice(1).map((row) => row[1]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `tied${i}@example.com`));
  });

  it("exports more members than one default batch, each batch's lookups within the database's parameter limit", async () => {
    const { shopId: large } = await programShop();
    const count = 2 * EXPORT_BATCH + 1;
    const start = Date.UTC(2026, 0, 1);
    await db.member.createMany({
      data: Array.from({ length: count }, (_, i) => ({ shopId: large, customerGid: `gid://shopify/Customer/${100000 + i}`, email: `m${i}@example.com`, createdAt: new Date(start + i * 1000) })),
    });
    const chunks = await collect(membersCsv(db, await exportShop(large)));
    expect(chunks.map((chunk) => parseCsv(chunk).length)).toEqual([1, EXPORT_BATCH, EXPORT_BATCH, 1]);
    const emails = parseCsv(chunks.join("")).slice(1).map((row) => row[1]);
    expect(new Set(emails).size).toBe(count);
    expect(emails[count - 1]).toBe(`m${count - 1}@example.com`);
  });

  it("writes only the header for a shop without members", async () => {
    const { shopId: empty } = await programShop();
    expect(await collect(membersCsv(db, await exportShop(empty)))).toEqual([`${HEADER}\r\n`]);
  });
});

describe("GET /app/members/export", () => {
  it("answers the shop's CSV as an attachment named after the shop and the shop-local day", async () => {
    const response = await exportLoader(args(await adminRequest("/app/members/export", shop)));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const handle = shop.replace(/\.myshopify\.com$/, "");
    expect(response.headers.get("Content-Disposition")).toMatch(new RegExp(`^attachment; filename="roost-members-${handle}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const rows = parseCsv(await response.text());
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    expect(rows.slice(1).map((row) => row[1])).toEqual(["ana.lima@example.com", "bo.chen@example.com", "'@cleo@example.com", "", "'-dana@example.com"]);
  });

  it("exports the other shop's members to the other shop only", async () => {
    const response = await exportLoader(args(await adminRequest("/app/members/export", other)));
    const text = await response.text();
    expect(text).toContain("other.shop@example.com");
    expect(text).not.toContain("ana.lima@example.com");
  });

  it("refuses a request without a valid session token", async () => {
    const forged = new Request("http://127.0.0.1:3000/app/members/export", { headers: { Authorization: `Bearer ${await sessionToken(shop, "not-the-secret")}` } });
    const refused = await exportLoader(args(forged)).catch((thrown: Response) => thrown);
    expect(refused).toBeInstanceOf(Response);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Content-Disposition")).toBeNull();

    const anonymous = await exportLoader(args(new Request("http://127.0.0.1:3000/app/members/export"))).catch((thrown: Response) => thrown);
    expect(anonymous).toBeInstanceOf(Response);
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.headers.get("Content-Disposition")).toBeNull();
  });
});
