import http from "node:http";

export interface StreamedBodyResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes handed to the socket before the answer came (or the upload ended). */
  sent: number;
}

/**
 * POSTs `bytes` of generated body (one reused 64 KiB chunk, never the whole body in memory),
 * with a Content-Length or chunked, and stops sending once the server answers: the answer of
 * a server that refuses the body early, without the client having to finish the upload.
 */
export function streamBody(
  url: string,
  options: { bytes: number; chunked?: boolean; headers?: Record<string, string>; timeoutMs?: number },
): Promise<StreamedBodyResult> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "Content-Type": "application/json", ...options.headers };
    if (!options.chunked) headers["Content-Length"] = String(options.bytes);
    const request = http.request(url, { method: "POST", headers });
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${options.timeoutMs ?? 20_000} ms (${sent} bytes sent)`));
    }, options.timeoutMs ?? 20_000);
    request.on("response", (response) => {
      answered = true;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (data: string) => (body += data));
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, sent });
        request.destroy();
      });
    });
    // Writing to a socket the server has closed fails once it answered: expected then.
    request.on("error", (error) => {
      if (answered) return;
      clearTimeout(timer);
      reject(new Error(`${error.message} before an answer (${sent} bytes sent)`));
    });
    void (async () => {
      while (sent < options.bytes && !answered && !request.destroyed) {
        const piece = options.bytes - sent >= chunk.length ? chunk : chunk.subarray(0, options.bytes - sent);
        sent += piece.length;
        if (!request.write(piece)) {
          await new Promise<void>((resume) => {
            const done = () => {
              request.off("drain", done);
              request.off("close", done);
              request.off("response", done);
              resume();
            };
            request.on("drain", done);
            request.on("close", done);
            request.on("response", done);
          });
        }
      }
      if (!answered && !request.destroyed) request.end();
    })();
  });
}
