import type { FetcherHeaders, FetcherResponse } from "@apollo/utils.fetcher";

/** Read-only headers over a flat, lower-cased record (what the fetcher already has in hand). */
class BufferedHeaders implements FetcherHeaders {
  readonly #map: Map<string, string>;
  constructor(headers: Record<string, string>) {
    this.#map = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.#map.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.#map.get(key);
    this.#map.set(key, existing === undefined ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }
  entries(): MapIterator<[string, string]> {
    return this.#map.entries();
  }
  keys(): MapIterator<string> {
    return this.#map.keys();
  }
  values(): MapIterator<string> {
    return this.#map.values();
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.#map.entries();
  }
}

/**
 * A subgraph answer already read into memory, as the Fetcher interface wants it. Cheaper than a
 * WHATWG `Response` (no body stream, no Headers validation, `json()` is one JSON.parse of the
 * text the pool already decoded), which the gateway paid for on every fetch. Same observable
 * fields as `new Response(body, { status, headers })`: empty url and statusText, not redirected.
 */
export class BufferedResponse implements FetcherResponse {
  readonly url = "";
  readonly redirected = false;
  readonly statusText = "";
  readonly headers: FetcherHeaders;
  readonly body: string;
  readonly status: number;
  #used = false;
  constructor(body: string, status: number, headers: Record<string, string>) {
    this.body = body;
    this.status = status;
    this.headers = new BufferedHeaders(headers);
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  #consume(): string {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    this.#used = true;
    return this.body;
  }
  async text(): Promise<string> {
    return this.#consume();
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.#consume()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.#consume(), "utf8");
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  clone(): FetcherResponse {
    if (this.#used) throw new TypeError("Response.clone: Body has already been consumed.");
    return new BufferedResponse(this.body, this.status, Object.fromEntries(this.headers));
  }
}
