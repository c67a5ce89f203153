import { describe, expect, it } from "vitest";
import { parseJsonWithLimits } from "./json-limits";

const parse = (input: string | Uint8Array, maxDepth = 4, maxBytes?: number) => parseJsonWithLimits(input, { maxDepth, maxBytes });
const reason = (input: string | Uint8Array, maxDepth = 4, maxBytes?: number) => {
  const result = parse(input, maxDepth, maxBytes);
  return result.ok ? "ok" : result.reason;
};

describe("parseJsonWithLimits", () => {
  it("parses JSON within the limits", () => {
    expect(parse('{"a":[1,{"b":"c"}]}')).toEqual({ ok: true, value: { a: [1, { b: "c" }] } });
    expect(parse(new TextEncoder().encode('\uFEFF{"é":"😀"}'))).toEqual({ ok: true, value: { é: "😀" } });
  });

  it("counts depth on objects and arrays, not on brackets inside strings or escaped quotes", () => {
    expect(reason("[[[[1]]]]")).toBe("ok");
    expect(reason("[[[[[1]]]]]")).toBe("too_deep");
    expect(reason('{"a":{"b":{"c":{"d":{}}}}}')).toBe("too_deep");
    expect(reason('["[[[[[[", "\\"[[[[[[", {"}}}]]]":"\\\\"}]')).toBe("ok");
    expect(reason('[["\\"]"],[[[1]]]]')).toBe("ok");
    expect(reason('[["\\"]"],[[[[1]]]]]')).toBe("too_deep");
  });

  it("refuses 100,000 levels quickly, without recursion", () => {
    const started = Date.now();
    expect(reason("[".repeat(100_000) + "]".repeat(100_000), 64)).toBe("too_deep");
    expect(reason('{"a":'.repeat(100_000), 64)).toBe("too_deep");
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("refuses NUL and unpaired surrogates, escaped or raw, and accepts pairs", () => {
    expect(reason('["a\\u0000b"]')).toBe("invalid_characters");
    expect(reason('{"a\\u0000":1}')).toBe("invalid_characters");
    expect(reason('["\\ud800"]')).toBe("invalid_characters");
    expect(reason('["\\ud800x"]')).toBe("invalid_characters");
    expect(reason('["\\udc00\\ud800"]')).toBe("invalid_characters");
    expect(reason('["\\ud800\\u0041"]')).toBe("invalid_characters");
    expect(reason('["a\ud800"]')).toBe("invalid_characters");
    expect(reason('["a\udc00b"]')).toBe("invalid_characters");
    expect(parse('["\\ud83d\\ude00", "\ud83d\ude00", "\\u0001\\\\u0000"]')).toEqual({ ok: true, value: ["😀", "😀", "\u0001\\u0000"] });
  });

  it("refuses bytes that are not UTF-8, and bodies over maxBytes", () => {
    expect(reason(new Uint8Array([0x22, 0xff, 0x22]))).toBe("invalid_utf8");
    expect(reason(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]))).toBe("invalid_utf8"); // an encoded surrogate
    expect(reason(new TextEncoder().encode('"12345"'), 4, 6)).toBe("too_large");
    expect(reason('"é"', 4, 3)).toBe("too_large");
    expect(reason('"é"', 4, 4)).toBe("ok");
  });

  it("leaves syntax to JSON.parse", () => {
    for (const text of ["", "{", '{"a":1,}', "[1]]", "]]]]]][[", "'a'", '"\\u12"', "NaN", "1e400x"]) expect(reason(text)).toBe("invalid_json");
    expect(parse("1e400")).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
  });
});
