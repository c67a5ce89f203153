// @ts-check
// Request body limits at the HTTP layer (DESIGN, flow rule 6: every entry point caps its body
// before reading it all). Plain ESM: server.mjs, which node runs unbundled, imports it; the app's
// external API reads its limit from the same table.
import { writeReadableStreamToWritable } from "@remix-run/node";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * @typedef {object} BodyLimit
 * @property {string} prefix  path prefix, matched on whole segments ("/api/v1" covers "/api/v1/orders")
 * @property {number} bytes   the largest body read; one byte more is answered 413
 * @property {boolean} [json] answer 413 with the external API's JSON error body
 * @property {boolean} [cors] answer 413 with `Access-Control-Allow-Origin: *` (a cross-origin caller can read it)
 */

/** The largest body each entry point reads, by path prefix; the first match wins. docs/webhooks.md. */
export const BODY_LIMITS = Object.freeze([
  // Shopify publishes no maximum and large orders run past 1 MB; a 413 comes before the HMAC
  // check, so a real delivery refused here would be lost: generous on purpose.
  Object.freeze({ prefix: "/webhooks", bytes: 25 * MiB }),
  Object.freeze({ prefix: "/api/v1", bytes: 64 * KiB, json: true }),
  // The web pixel's batches (POST /ingest/events), sent cross-origin from the storefront: the
  // 413 carries the CORS header too, or the pixel would see a network error instead.
  Object.freeze({ prefix: "/ingest", bytes: 64 * KiB, cors: true }),
  // The customer account extension's calls (docs/shopper.md): `{"rewardId": "…"}`, cross-origin.
  Object.freeze({ prefix: "/account", bytes: 8 * KiB, json: true, cors: true }),
]);

/** Everything else: the admin UI's form posts. */
export const DEFAULT_BODY_LIMIT = Object.freeze({ prefix: "/", bytes: 1 * MiB });

/**
 * The limit for a request path. The path is matched as the router would see it (percent-decoded,
 * case-insensitive, repeated slashes collapsed), so a spelling the router still routes to the
 * API cannot fall back to the larger default.
 * @param {string} pathname
 * @param {readonly BodyLimit[]} [limits]
 * @returns {BodyLimit}
 */
export function bodyLimitFor(pathname, limits = BODY_LIMITS) {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // Not valid percent-encoding: match it as it is.
  }
  path = path.toLowerCase().replace(/\/{2,}/g, "/");
  return limits.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`)) ?? DEFAULT_BODY_LIMIT;
}

/** What a body over its limit rejects with, for whoever was reading it. */
export class BodyTooLargeError extends Error {
  /** @param {number} limitBytes */
  constructor(limitBytes) {
    super(`The request body is larger than ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
    this.limitBytes = limitBytes;
  }
}

/**
 * @typedef {{ warn(fields: object, message: string): void }} WarnLogger
 * @typedef {import("express").Request} ExpressRequest
 * @typedef {import("express").Response} ExpressResponse
 * @typedef {import("express").NextFunction} NextFunction
 */

/**
 * First middleware of the server: a body whose Content-Length is over its path's limit is
 * answered 413 at once, before anything reads it, on every route. Bodies without a length
 * (chunked) are counted as they are read: `limitedRequestHandler`.
 * @param {{ logger: WarnLogger, limits?: readonly BodyLimit[] }} options
 */
export function refuseOversizedBodies({ logger, limits = BODY_LIMITS }) {
  /** @type {(req: ExpressRequest, res: ExpressResponse, next: NextFunction) => void} */
  return (req, res, next) => {
    const declared = declaredLength(req);
    const limit = bodyLimitFor(req.path, limits);
    if (declared !== null && declared > limit.bytes) return refuse(req, res, limit, { declaredBytes: declared }, logger);
    next();
  };
}

/**
 * The Remix request handler, in place of @remix-run/express's `createRequestHandler` (whose
 * Request streams `req` with no limit); the Request and the response are built as it builds
 * them. The body is counted as the route reads it: one byte over the path's limit and the
 * route's read fails, the Remix request is aborted and the client gets 413 (`refuse`).
 * @template Context
 * @param {{
 *   handleRequest: (request: Request, loadContext?: Context) => Promise<Response>,
 *   getLoadContext?: (req: ExpressRequest, res: ExpressResponse) => Context,
 *   logger: WarnLogger,
 *   limits?: readonly BodyLimit[],
 * }} options `handleRequest`: `createRequestHandler(build, mode)` of @remix-run/node.
 */
export function limitedRequestHandler({ handleRequest, getLoadContext, logger, limits = BODY_LIMITS }) {
  /** @type {(req: ExpressRequest, res: ExpressResponse, next: NextFunction) => Promise<void>} */
  return async (req, res, next) => {
    const limit = bodyLimitFor(req.path, limits);
    let refused = false;
    /** @type {AbortController | null} */
    let controller = new AbortController();
    /** @type {RequestInit & { duplex?: "half" }} */
    const init = { method: req.method, headers: requestHeaders(req), signal: controller.signal };
    if (req.method !== "GET" && req.method !== "HEAD") {
      init.body = countedBody(req, limit.bytes, (receivedBytes) => {
        refused = true;
        // Aborted before the read fails: Remix does not log an aborted request's error.
        controller?.abort();
        refuse(req, res, limit, { receivedBytes }, logger);
      });
      init.duplex = "half";
    }
    // As @remix-run/express: abort loaders and actions once no response can be written.
    res.on("finish", () => (controller = null));
    res.on("close", () => controller?.abort());
    try {
      const response = await handleRequest(new Request(requestUrl(req), init), getLoadContext?.(req, res));
      if (refused) return;
      // A route that answered without reading the whole body: hang up rather than read the rest.
      if (!req.complete) {
        res.setHeader("Connection", "close");
        hangUpAfterAnswer(req);
      }
      await sendResponse(res, response);
    } catch (error) {
      if (!refused) next(error);
    }
  };
}

/**
 * The whole body of `req`, counted against its path's limit as it arrives, for a handler that
 * takes the request before Remix (the webhook fast path, app/http/webhook-fast-path.server.ts).
 * One byte over: the client gets 413 (`refuse`), the rest is never read, and the promise
 * rejects with BodyTooLargeError.
 * @param {ExpressRequest} req
 * @param {ExpressResponse} res
 * @param {{ logger: WarnLogger, limits?: readonly BodyLimit[] }} options
 * @returns {Promise<Buffer>}
 */
export function readLimitedBody(req, res, { logger, limits = BODY_LIMITS }) {
  const limit = bodyLimitFor(req.path, limits);
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let received = 0;
    countChunks(req, limit.bytes, {
      onChunk: (chunk) => {
        chunks.push(chunk);
        received += chunk.length;
      },
      onEnd: () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)),
      onOverLimit: (receivedBytes) => {
        refuse(req, res, limit, { receivedBytes }, logger);
        reject(new BodyTooLargeError(limit.bytes));
      },
      onError: reject,
    });
  });
}

/**
 * After an answer written by a handler outside Remix: if the handler did not read the whole
 * body, say `Connection: close` and hang up without reading the rest (as `limitedRequestHandler`).
 * Call before the answer's headers are written.
 * @param {ExpressRequest} req
 * @param {ExpressResponse} res
 */
export function hangUpIfUnread(req, res) {
  if (req.complete) return;
  res.setHeader("Connection", "close");
  hangUpAfterAnswer(req);
}

/** @param {import("node:http").IncomingMessage} req @returns {number | null} */
function declaredLength(req) {
  const header = req.headers["content-length"];
  // Node's parser has already rejected a malformed or conflicting Content-Length.
  return header === undefined ? null : Number(header);
}

/**
 * `req` as a web stream that errors once more than `limitBytes` have arrived. Nothing is read
 * ahead of the route (no queue: a chunk is taken from `req` when the route asks for one), so
 * the count is what the route reads, and a route that never reads keeps the socket paused.
 * @param {import("node:http").IncomingMessage} req
 * @param {number} limitBytes
 * @param {(receivedBytes: number) => void} onOverLimit
 * @returns {ReadableStream<Uint8Array>}
 */
export function countedBody(req, limitBytes, onOverLimit) {
  /** @type {{ readonly open: boolean, close(): void } | undefined} */
  let counting;
  return new ReadableStream(
    {
      start(controller) {
        req.pause();
        counting = countChunks(req, limitBytes, {
          onChunk: (chunk) => {
            controller.enqueue(chunk);
            if ((controller.desiredSize ?? 0) <= 0) req.pause();
          },
          onEnd: () => controller.close(),
          onOverLimit: (receivedBytes) => {
            onOverLimit(receivedBytes);
            controller.error(new BodyTooLargeError(limitBytes));
          },
          onError: (error) => controller.error(error),
        });
      },
      pull() {
        if (counting?.open) req.resume();
      },
      cancel() {
        counting?.close();
        req.pause();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Listens to `req`'s body and counts it: `onChunk` for each chunk within `limitBytes`, then
 * exactly one of `onEnd`, `onOverLimit` (`req` paused: nothing more is read) or `onError`.
 * @param {import("node:http").IncomingMessage} req
 * @param {number} limitBytes
 * @param {{
 *   onChunk: (chunk: Buffer) => void,
 *   onEnd: () => void,
 *   onOverLimit: (receivedBytes: number) => void,
 *   onError: (error: unknown) => void,
 * }} on
 * @returns {{ readonly open: boolean, close(): void }}
 */
function countChunks(req, limitBytes, on) {
  let received = 0;
  let open = true;
  /** @param {() => void} settle */
  const finish = (settle) => {
    if (!open) return;
    open = false;
    settle();
  };
  req.on("data", (/** @type {Buffer} */ chunk) => {
    if (!open) return;
    received += chunk.length;
    if (received > limitBytes) {
      req.pause();
      finish(() => on.onOverLimit(received));
      return;
    }
    on.onChunk(chunk);
  });
  req.once("end", () => finish(on.onEnd));
  req.once("error", (error) => finish(() => on.onError(error)));
  req.once("close", () => finish(() => on.onError(new Error("The request was closed before its body ended"))));
  return {
    get open() {
      return open;
    },
    close() {
      open = false;
    },
  };
}

/**
 * 413 with `Connection: close`, then the socket is closed with whatever the client is still
 * sending unread (`hangUpAfterAnswer`). Logged with the shop and topic the request claims: its
 * X-Shopify-* headers, which no HMAC covers yet.
 * @param {ExpressRequest} req
 * @param {ExpressResponse} res
 * @param {BodyLimit} limit
 * @param {{ declaredBytes?: number, receivedBytes?: number }} size
 * @param {WarnLogger} logger
 */
function refuse(req, res, limit, size, logger) {
  logger.warn(
    {
      method: req.method,
      path: req.path,
      limitBytes: limit.bytes,
      ...size,
      claimedShop: claimed(req, "x-shopify-shop-domain"),
      claimedTopic: claimed(req, "x-shopify-topic"),
      remoteAddress: req.socket.remoteAddress,
    },
    "request body over the limit: answered 413 without reading the rest (claimedShop/claimedTopic are the unverified X-Shopify-* headers)",
  );
  if (res.headersSent) {
    // The route is already answering: let it finish, read nothing more, then hang up.
    req.pause();
    if (res.writableFinished) req.socket.destroy();
    else res.once("finish", () => req.socket.destroy());
    return;
  }
  const message = `The body must be at most ${limit.bytes} bytes`;
  hangUpAfterAnswer(req);
  res.status(413).set({ Connection: "close", "Cache-Control": "no-store", ...(limit.cors ? { "Access-Control-Allow-Origin": "*" } : {}) });
  if (limit.json) res.json({ error: "body_too_large", message });
  else res.type("text/plain").send(message);
}

/** How long a socket stays half-closed after its answer, unread, before it is destroyed. */
export const HANG_UP_DELAY_MS = 1000;

/**
 * Reads no more of the request, and once the answer (sent with `Connection: close`) is written,
 * closes the socket without reading the rest. Node's own close would destroy the socket at once:
 * with the client's upload unread in the receive queue that close is a TCP reset, which can
 * reach a client still sending before it has read the answer (Node's own client then reports
 * EPIPE instead of the 413). So, as Go's server does: send FIN after the answer, let TCP flow
 * control stall the client's upload, and destroy the socket a moment later.
 * @param {import("node:http").IncomingMessage} req
 */
function hangUpAfterAnswer(req) {
  req.pause();
  // Marks the body as consumed: Node would otherwise drain ("dump") it after the answer. Only
  // the request's small buffer fills; then Node stops reading the socket.
  req.read(0);
  const socket = req.socket;
  // Node calls `destroySoon` once a `Connection: close` answer is written.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), HANG_UP_DELAY_MS).unref();
  };
}

/** @param {ExpressRequest} req @param {string} name */
function claimed(req, name) {
  const value = req.get(name);
  return value === undefined ? undefined : value.slice(0, 255);
}

// Below: as @remix-run/express 2.17.5 does it (createRemixRequest, sendRemixResponse), which its
// package does not export.

/**
 * Host and protocol through Express, so the "trust proxy" setting applies.
 * @param {ExpressRequest} req
 */
export function requestUrl(req) {
  const [, forwardedPort] = req.get("X-Forwarded-Host")?.split(":") ?? [];
  const [, hostPort] = req.get("host")?.split(":") ?? [];
  const port = [Number.parseInt(forwardedPort, 10), Number.parseInt(hostPort, 10)].find(Number.isSafeInteger);
  return new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`).href;
}

/** @param {ExpressRequest} req */
function requestHeaders(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const each of value) headers.append(name, each);
    else if (value) headers.set(name, value);
  }
  return headers;
}

/** @param {ExpressResponse} res @param {Response} response */
async function sendResponse(res, response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers.entries()) res.append(name, value);
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}
