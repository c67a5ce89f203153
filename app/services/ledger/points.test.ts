import { describe, expect, it } from "vitest";
import { clawbackFor, pointsFor } from "./points";

describe("pointsFor", () => {
  it("applies rate and tier multiplier exactly, rounding down", () => {
    expect(pointsFor(12345, 2, "1", "1.25")).toBe(154); // 123.45 × 1.25 = 154.3125
    expect(pointsFor(12345, 2, "1", "1")).toBe(123);
    expect(pointsFor(12345, 2, "1", "1.5")).toBe(185); // 185.175
    expect(pointsFor(1000, 2, "2.5", "1.25")).toBe(31); // 10 × 2.5 × 1.25 = 31.25
    expect(pointsFor(1200, 0, "0.1", "1")).toBe(120); // ¥1200 at 0.1 per yen
    expect(pointsFor(1995, 3, "1", "1")).toBe(1); // 1.995 KWD
    expect(pointsFor(0, 2, "1", "1.5")).toBe(0);
    expect(pointsFor(-500, 2, "1", "1")).toBe(0);
  });

  it("never goes through floating point", () => {
    // 0.29 × 100 is 28.999999999999996 in floating point; the formula must say 29.
    expect(pointsFor(29, 2, "100", "1")).toBe(29);
    expect(pointsFor(115, 2, "100", "1")).toBe(115);
  });
});

describe("clawbackFor", () => {
  it("claws back 51, 52 and 51 for three refunds of 41.15 on a 154-point award of 123.45", () => {
    const order = { granted: 154, orderEligible: 12345 };
    const first = clawbackFor({ ...order, refundedEligibleTotal: 4115, alreadyClawed: 0 });
    const second = clawbackFor({ ...order, refundedEligibleTotal: 8230, alreadyClawed: first });
    const third = clawbackFor({ ...order, refundedEligibleTotal: 12345, alreadyClawed: first + second });
    expect([first, second, third]).toEqual([51, 52, 51]);
    expect(clawbackFor({ ...order, refundedEligibleTotal: 16460, alreadyClawed: 154 })).toBe(0);
  });

  it("never claws back more than was granted, and nothing from an award that granted nothing", () => {
    expect(clawbackFor({ granted: 100, orderEligible: 5000, refundedEligibleTotal: 9000, alreadyClawed: 0 })).toBe(100);
    expect(clawbackFor({ granted: 0, orderEligible: 5000, refundedEligibleTotal: 5000, alreadyClawed: 0 })).toBe(0);
  });

  it("rounds half up", () => {
    expect(clawbackFor({ granted: 3, orderEligible: 200, refundedEligibleTotal: 50, alreadyClawed: 0 })).toBe(1); // 0.75
    expect(clawbackFor({ granted: 1, orderEligible: 200, refundedEligibleTotal: 100, alreadyClawed: 0 })).toBe(1); // 0.5
    expect(clawbackFor({ granted: 1, orderEligible: 300, refundedEligibleTotal: 100, alreadyClawed: 0 })).toBe(0); // 0.33
  });
});
