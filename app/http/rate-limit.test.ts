import { describe, expect, it } from "vitest";
import { clientKey, UNKNOWN_CLIENT } from "./client-address.server";
import { FailureLimiter } from "./rate-limit";

describe("FailureLimiter", () => {
  it("blocks after `limit` failures until the window that started with the first one ends", () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000, clock: { now: () => new Date(now) } });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.blockedFor("a")).toBe(0);
      limiter.recordFailure("a");
      now += 100;
    }
    expect(limiter.blockedFor("a")).toBe(700);
    expect(limiter.blockedFor("b")).toBe(0);
    now = 1000;
    expect(limiter.blockedFor("a")).toBe(0);
  });

  it("keeps at most maxClients windows, dropping expired ones and then the oldest", () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, maxClients: 100, clock: { now: () => new Date(now) } });
    for (let i = 0; i < 10_000; i += 1) limiter.recordFailure(`client-${i}`);
    expect(limiter.size).toBe(100);
    expect(limiter.blockedFor("client-9999")).toBe(1000);
    expect(limiter.blockedFor("client-0")).toBe(0);
    now = 5000;
    limiter.recordFailure("late");
    expect(limiter.size).toBe(1);
  });
});

describe("clientKey", () => {
  const request = (forwardedFor?: string) => new Request("http://roost.test/api/v1/orders", { headers: forwardedFor ? { "X-Forwarded-For": forwardedFor } : {} });

  it("is the peer's address; X-Forwarded-For only counts when ROOST_TRUST_PROXY says so", () => {
    expect(clientKey(request("1.1.1.1"), { clientAddress: "10.0.0.1" }, undefined)).toBe("10.0.0.1");
    expect(clientKey(request("1.1.1.1"), { clientAddress: "10.0.0.1" }, "0")).toBe("10.0.0.1");
    expect(clientKey(request("1.1.1.1"), { clientAddress: "10.0.0.1" }, "yes")).toBe("10.0.0.1");
    expect(clientKey(request("9.9.9.9, 1.1.1.1"), { clientAddress: "10.0.0.1" }, "1")).toBe("1.1.1.1");
    expect(clientKey(request("9.9.9.9, 1.1.1.1, 10.0.0.2"), { clientAddress: "10.0.0.1" }, "2")).toBe("1.1.1.1");
    expect(clientKey(request("1.1.1.1"), { clientAddress: "10.0.0.1" }, "5")).toBe("1.1.1.1");
    expect(clientKey(request(), { clientAddress: "10.0.0.1" }, "1")).toBe("10.0.0.1");
    expect(clientKey(request("1.1.1.1"), {}, undefined)).toBe(UNKNOWN_CLIENT);
    expect(clientKey(request(), undefined, undefined)).toBe(UNKNOWN_CLIENT);
  });

  it("unwraps IPv4-mapped addresses and keys IPv6 by its /64", () => {
    expect(clientKey(request(), { clientAddress: "::ffff:203.0.113.7" }, undefined)).toBe("203.0.113.7");
    expect(clientKey(request(), { clientAddress: "2001:db8:1:2:aaaa::1" }, undefined)).toBe("2001:db8:1:2::/64");
    expect(clientKey(request(), { clientAddress: "2001:0db8:0001:0002:ffff:ffff:ffff:fffe" }, undefined)).toBe("2001:db8:1:2::/64");
    expect(clientKey(request(), { clientAddress: "::1" }, undefined)).toBe("0:0:0:0::/64");
    expect(clientKey(request(), { clientAddress: "fe80::1%eth0" }, undefined)).toBe("fe80:0:0:0::/64");
    expect(clientKey(request(), { clientAddress: "not:an:address:::" }, undefined)).toBe("not:an:address:::");
  });
});
