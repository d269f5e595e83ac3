import { DEV_GATEWAY_TOKEN, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";

// Tests index into response data of every shape; typing each one would only restate the query.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyShape = Record<string, any>;

/** A GraphQL response as tests see it. */
export interface GqlResponse<T = AnyShape> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: { message: string; path?: (string | number)[]; extensions?: AnyShape }[] | undefined;
}

/** Options for {@link gql}. */
export interface GqlOptions {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
  /**
   * The x-service-token sent, as the gateway does on every subgraph call. Default: the development
   * gateway credential (what test subgraphs accept unless GATEWAY_TOKEN is set); null sends none.
   * The gateway itself ignores the header. An explicit header in `headers` wins.
   */
  credential?: string | null;
}

/** POSTs an operation to a GraphQL endpoint over real HTTP. */
export async function gql<T = AnyShape>(url: string, query: string, options: GqlOptions = {}): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.credential === null ? {} : { [SERVICE_TOKEN_HEADER]: options.credential ?? DEV_GATEWAY_TOKEN }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: GqlResponse["errors"] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response (${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
}
