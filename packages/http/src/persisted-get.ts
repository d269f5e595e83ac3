/**
 * True for a GET that names a persisted query by hash and carries no query text:
 * `?extensions={"persistedQuery":{"version":1,"sha256Hash":"…"}}` (plus variables/operationName).
 *
 * Why such a GET may skip Apollo's CSRF prevention (which wants a preflight-forcing header on
 * every GET): CSRF needs a request with side effects sent with the victim's ambient credentials.
 * A GET runs queries only (Apollo refuses a mutation over GET, whatever the hash resolves to), and
 * this API authenticates with a Bearer header, which a cross-site <img>/<form> cannot add. The
 * exemption is kept to hash-only GETs so ordinary GETs with query text keep the header rule, and
 * so CDN-cached catalog pages can be fetched with plain GETs (no preflight, cacheable URL).
 */
export function isPersistedQueryGet(search: URLSearchParams): boolean {
  if (search.has("query")) return false;
  const raw = search.get("extensions");
  if (!raw) return false;
  try {
    const hash = (JSON.parse(raw) as { persistedQuery?: { sha256Hash?: unknown } } | null)?.persistedQuery?.sha256Hash;
    return typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash);
  } catch {
    return false;
  }
}
