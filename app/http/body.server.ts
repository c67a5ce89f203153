import { type JsonParseResult, parseJsonWithLimits } from "../lib/json-limits";

/**
 * Reading a JSON request body within limits, for the entry points that take JSON from outside
 * Shopify (the external API; the pixel's ingest next). Each maps a refusal to its own answer.
 */

/** The body as JSON: refused past `maxBytes` (unread when Content-Length says so), then parsed with the depth and character checks. */
export async function readJsonBody(request: Request, limits: { maxBytes: number; maxDepth: number }): Promise<JsonParseResult> {
  const bytes = await readBody(request, limits.maxBytes);
  if (!bytes) return { ok: false, reason: "too_large", message: `The body must be at most ${limits.maxBytes} bytes` };
  // Depth and characters are checked on the text, before anything walks the parsed value.
  return parseJsonWithLimits(bytes, { maxDepth: limits.maxDepth });
}

/** `application/json`, with no charset or UTF-8. */
export function isJsonMediaType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...parameters] = header.split(";");
  if (type.trim().toLowerCase() !== "application/json") return false;
  return parameters.every((parameter) => {
    const [name, value = ""] = parameter.split("=");
    return name.trim().toLowerCase() !== "charset" || /^"?utf-8"?$/i.test(value.trim());
  });
}

/** The body's bytes, or null once it passes `limit` (a declared Content-Length over it is refused unread). */
export async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("Content-Length") ?? "");
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
