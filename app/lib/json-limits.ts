/**
 * JSON from strangers, parsed within limits. `JSON.parse` itself copes with any nesting, but
 * every recursive walk after it (a canonicaliser, a validator, `JSON.stringify`, a logger) can
 * overflow the stack on a body nested a few thousand deep. So the text is checked first by one
 * linear, non-recursive scan: nesting depth, and the two things a database cannot store (NUL,
 * which PostgreSQL text refuses, and unpaired UTF-16 surrogates, which have no UTF-8 form and
 * would be silently replaced). Only then is it parsed. The caller says what a refusal means
 * (the API answers 400, the inbox marks a delivery failed).
 */

export interface JsonLimits {
  /** Deepest nesting of objects and arrays allowed: `{}` is 1, `{"a":[1]}` is 2. */
  maxDepth: number;
  /** Largest body, in UTF-8 bytes (only checked when the input is bytes or this is set). */
  maxBytes?: number;
}

export type JsonRefusal =
  /** The bytes are not UTF-8. */
  | "invalid_utf8"
  | "too_large"
  | "too_deep"
  /** A string holds NUL (`\u0000`) or an unpaired surrogate (`\ud800`). */
  | "invalid_characters"
  /** Not JSON at all (after the checks above). */
  | "invalid_json";

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; reason: JsonRefusal; message: string };

const refuse = (reason: JsonRefusal, message: string): JsonParseResult => ({ ok: false, reason, message });

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Parses a body given as bytes (decoded as strict UTF-8) or as text. */
export function parseJsonWithLimits(input: string | Uint8Array, limits: JsonLimits): JsonParseResult {
  let text: string;
  if (typeof input === "string") {
    text = input;
    if (limits.maxBytes !== undefined && utf8Length(text) > limits.maxBytes) return refuse("too_large", `over ${limits.maxBytes} bytes`);
  } else {
    if (limits.maxBytes !== undefined && input.byteLength > limits.maxBytes) return refuse("too_large", `over ${limits.maxBytes} bytes`);
    try {
      text = utf8.decode(input);
    } catch {
      return refuse("invalid_utf8", "not valid UTF-8");
    }
  }
  const problem = scanJsonText(text, limits.maxDepth);
  if (problem) return problem;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return refuse("invalid_json", error instanceof SyntaxError ? "not valid JSON" : "not parseable");
  }
}

/**
 * One pass over the text, with no recursion and O(1) memory: tracks whether it is inside a
 * string, and the depth of `{`/`[` outside strings. Syntax errors are left to `JSON.parse`;
 * this only refuses what parsing would accept but walking or storing could not survive.
 */
function scanJsonText(text: string, maxDepth: number): JsonParseResult | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (!inString) {
      if (code === 0x22 /* " */) inString = true;
      else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
        depth += 1;
        if (depth > maxDepth) return refuse("too_deep", `nested deeper than ${maxDepth} levels`);
      } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) depth -= 1;
      continue;
    }
    if (code === 0x22) inString = false;
    else if (code === 0x5c /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (next !== 0x75 /* u */) {
        i += 1;
        continue;
      }
      const unit = hexUnit(text, i + 2);
      if (unit === 0) return refuse("invalid_characters", "a string contains NUL (\\u0000)");
      if (unit >= 0xd800 && unit <= 0xdbff) {
        // A high surrogate must be followed by a low one, escaped (\udc00) or raw.
        const after = i + 6;
        const low = text.charCodeAt(after) === 0x5c && text.charCodeAt(after + 1) === 0x75 ? hexUnit(text, after + 2) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) i = after + 5;
        else return refuse("invalid_characters", "a string contains an unpaired surrogate");
        continue;
      }
      if (unit >= 0xdc00 && unit <= 0xdfff) return refuse("invalid_characters", "a string contains an unpaired surrogate");
      i += 5;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // Raw surrogates only reach here from a JS string (strict UTF-8 decoding cannot make them).
      const low = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return refuse("invalid_characters", "a string contains an unpaired surrogate");
      i += 1;
    }
  }
  return null;
}

/** The UTF-16 unit of the 4 hex digits at `at`, or -1 when they are not 4 hex digits. */
function hexUnit(text: string, at: number): number {
  const hex = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
}

/** UTF-8 length of a string without allocating its encoding. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
