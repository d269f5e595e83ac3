import type { Dispatcher } from "undici";

/** A subgraph's answer read whole: status, headers flattened to one string each, body as text. */
export interface Exchanged {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What undici's `request()` rejects with when its AbortSignal.timeout fires (the fetcher reads `name`). */
function timeoutError(): Error {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

/** Origin and path of each URL a fetcher has seen (a fetcher calls one subgraph URL, so this stays tiny). */
const targets = new Map<string, { origin: string; path: string }>();

function target(url: string): { origin: string; path: string } {
  let found = targets.get(url);
  if (!found) {
    const parsed = new URL(url);
    found = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size < 1_000) targets.set(url, found);
  }
  return found;
}

/**
 * One HTTP exchange on `dispatcher`, buffered in memory, cut short when `timedOut` aborts. The same
 * request as undici's `request()` (its diagnostics channels, so tracing headers, included), minus
 * the per-call body stream, async iterator and AbortSignal: on a gateway making several subgraph
 * fetches per client request those were a visible share of the CPU (issue 16 §1 profile).
 * Rejects with undici's own errors, or a `TimeoutError` DOMException as `request()` with
 * `AbortSignal.timeout` would when `timedOut` aborts (the call policy's per-attempt timeout, its
 * only source).
 */
export function exchange(
  dispatcher: Dispatcher,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timedOut: AbortSignal,
): Promise<Exchanged> {
  const { origin, path } = target(url);
  return new Promise<Exchanged>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let flat: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let length = 0;
    const settle = (error: Error | undefined, value?: Exchanged) => {
      if (settled) return;
      settled = true;
      timedOut.removeEventListener("abort", onTimeout);
      if (error) reject(error);
      else resolve(value!);
    };
    const onTimeout = () => {
      const error = timeoutError();
      // Still queued for a connection: aborted as soon as it gets one (onRequestStart).
      controller?.abort(error);
      settle(error);
    };
    if (timedOut.aborted) return settle(timeoutError());
    timedOut.addEventListener("abort", onTimeout);
    try {
      dispatcher.dispatch(
        { origin, path, method, headers, body: body ?? null },
        {
          onRequestStart(c) {
            if (settled) c.abort(timeoutError());
            else controller = c;
          },
          onResponseStart(_c, statusCode, responseHeaders) {
            status = statusCode;
            flat = {};
            for (const name in responseHeaders) {
              const value = responseHeaders[name];
              if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
            }
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk);
            length += chunk.length;
          },
          onResponseEnd() {
            const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
            // undici's body.text() skips a UTF-8 byte order mark; so does this.
            const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
            settle(undefined, { status, headers: flat, body: buffer.toString("utf8", start) });
          },
          onResponseError(_c, error) {
            settle(error);
          },
        },
      );
    } catch (error) {
      settle(error as Error);
    }
  });
}
