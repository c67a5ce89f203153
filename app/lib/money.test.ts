import { describe, expect, it } from "vitest";
import { currencyExponent, formatMinorUnits, toMinorUnits } from "./money";

describe("money", () => {
  it("knows each currency's minor digits", () => {
    expect([currencyExponent("USD"), currencyExponent("JPY"), currencyExponent("KWD"), currencyExponent("EUR")]).toEqual([2, 0, 3, 2]);
  });

  it("converts decimal strings exactly", () => {
    expect(toMinorUnits("123.45", 2)).toBe(12345);
    expect(toMinorUnits("0.10", 2)).toBe(10);
    expect(toMinorUnits("19.9", 2)).toBe(1990);
    expect(toMinorUnits("7", 2)).toBe(700);
    expect(toMinorUnits("1200", 0)).toBe(1200);
    expect(toMinorUnits("1.500", 3)).toBe(1500);
    expect(toMinorUnits("-4.20", 2)).toBe(-420);
    expect(toMinorUnits("12.3400", 2)).toBe(1234);
    // 0.1 + 0.2 style floats never enter: strings are split, not multiplied.
    expect(toMinorUnits("1.15", 2)).toBe(115);
  });

  it("refuses what is not an exact amount", () => {
    expect(() => toMinorUnits("ten", 2)).toThrow('not a decimal amount: "ten"');
    expect(() => toMinorUnits("1.005", 2)).toThrow("more precision");
    expect(() => toMinorUnits("1e3", 2)).toThrow(RangeError);
  });

  it("formats minor units back", () => {
    expect([formatMinorUnits(12345, 2), formatMinorUnits(5, 2), formatMinorUnits(-420, 2), formatMinorUnits(1200, 0)]).toEqual(["123.45", "0.05", "-4.20", "1200"]);
  });
});
