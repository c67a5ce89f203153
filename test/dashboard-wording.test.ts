import { describe, expect, it } from "vitest";
import { repairedSentence } from "../app/services/health/wording";

// The Dashboard's Reconciliation card says what the last run repaired as a sentence.
describe("what the last reconciliation repaired", () => {
  it("reads as a sentence for none, one and many", () => {
    expect(repairedSentence(0)).toBe("Nothing needed repairing");
    expect(repairedSentence(1)).toBe("1 record repaired");
    expect(repairedSentence(12)).toBe("12 records repaired");
    expect(repairedSentence(1234)).toBe("1,234 records repaired");
  });
});
