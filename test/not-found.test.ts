import { describe, expect, it } from "vitest";
import { loader } from "../app/routes/app.$";
import { adminRequest, installTestShop, uniqueShop } from "./support/shopify";

// An /app path no route answers (app/routes/app.$.tsx): the admin's not-found page, status 404.
// test/browser/dashboard.test.ts opens it in Chromium, navigation and links included.
describe("an unknown admin path", () => {
  it("answers 404 to an authenticated request", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const result = await loader({ request: await adminRequest("/app/nothing-here", shop), params: { "*": "nothing-here" }, context: {} });
    expect(result).toMatchObject({ data: null, init: { status: 404 } });
  });

  it("authenticates first: a request with no shop and no session token is sent to log in", async () => {
    const request = new Request("http://localhost/app/nothing-here", { headers: { "User-Agent": "Mozilla/5.0 Chrome/124.0" } });
    const thrown = await loader({ request, params: { "*": "nothing-here" }, context: {} }).then(() => null, (error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect([(thrown as Response).status, (thrown as Response).headers.get("Location")]).toEqual([302, "/auth/login"]);
  });
});
