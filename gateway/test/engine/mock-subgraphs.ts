import { createServer, type IncomingMessage, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
} from "graphql";

/**
 * The four subgraphs as deterministic HTTP servers: each one's real schema (its schema.graphql,
 * built with @apollo/subgraph like the real subgraph) with generated data instead of a database.
 * A value is a pure function of its parent, the field, its arguments and the request's fault
 * profile, so two gateways sending the same subgraph operations get byte-identical answers.
 *
 * The fault profile comes from the forwarded Bearer token (`Bearer p<profile>.<tag>.sig`, JWT-shaped as the gateway requires):
 *   0 clean · 1 field errors (coded, some without code) · 2 nulls everywhere, non-null fields too
 *   (the subgraph propagates them) · 3 entities missing (null) and entity errors · 4 one subgraph
 *   answers HTTP 500 with a non-GraphQL body · 5 one subgraph answers 500 with GraphQL errors ·
 *   6 one subgraph resets the connection · 7 one subgraph answers garbage JSON · 8 wrong
 *   `__typename` for entities (an unknown type) · 9 invalid leaf values (a string for an Int).
 */

export const SUBGRAPH_NAMES = ["users", "products", "orders", "notifications"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** FNV-1a over a string: the seed of every generated value. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface MockContext {
  profile: number;
  tag: string;
  subgraph: SubgraphName;
  /** Lists under a field with a `first` argument have that many items (profiling at the bench's sizes). */
  sized: boolean;
}

const SEED = Symbol("seed");
/** The `first` argument of the field that returned this object (a connection): its list's length when sized. */
const FIRST = Symbol("first");
type Seeded = Record<string | symbol, unknown>;

function seedOf(source: unknown, typename: string): string {
  if (source && typeof source === "object") {
    const own = (source as Seeded)[SEED];
    if (typeof own === "string") return own;
    // An entity representation: its key identifies it.
    const id = (source as Record<string, unknown>).id;
    if (id !== undefined) return `${typename}:${String(id)}`;
  }
  return typename;
}

function scalarValue(name: string, h: number, field: string, profile: number): unknown {
  if (profile === 9 && h % 5 === 0 && name !== "ID" && name !== "String")
    return name === "Boolean" ? "yes" : "not-a-number";
  switch (name) {
    case "ID":
      return field === "id" ? `id${h % 97}` : `ref${h % 89}`;
    case "Int":
      return h % 50;
    case "Float":
      return (h % 1000) / 10;
    case "Boolean":
      return h % 2 === 0;
    case "DateTime":
      return new Date(Date.UTC(2026, 0, 1) + (h % 100_000) * 60_000).toISOString();
    default:
      return `${field}-${h % 1000}`;
  }
}

function generate(
  type: GraphQLOutputType,
  seed: string,
  field: string,
  ctx: MockContext,
  depth: number,
  first?: number,
): unknown {
  const h = hash(seed);
  const nonNull = isNonNullType(type);
  const inner = getNullableType(type);
  if (ctx.profile === 2 && h % 6 === 0) return null;
  if (!nonNull && h % 13 === 0 && first === undefined) return null;
  if (isListType(inner)) {
    const length = depth > 4 ? 0 : (first ?? h % 4);
    return Array.from({ length }, (_, i) => generate(inner.ofType, `${seed}[${i}]`, field, ctx, depth + 1));
  }
  if (isEnumType(inner)) {
    const values = inner.getValues();
    return values[h % values.length]!.value;
  }
  if (isScalarType(inner)) return scalarValue(inner.name, h, field, ctx.profile);
  return first === undefined ? { [SEED]: seed } : { [SEED]: seed, [FIRST]: first };
}

const mockResolver: GraphQLFieldResolver<unknown, MockContext> = (source, args, ctx, info) => {
  const { fieldName, returnType, parentType } = info;
  if (source && typeof source === "object" && Object.hasOwn(source, fieldName))
    return (source as Record<string, unknown>)[fieldName];
  const seed = `${seedOf(source, parentType.name)}.${fieldName}(${JSON.stringify(args)})/${ctx.profile}/${ctx.tag}`;
  const h = hash(seed);
  if (ctx.profile === 1 && h % 7 === 0) {
    // Mostly codes the gateway's error formatter lets through (message, path and code reach the
    // client and are compared); some uncoded ones, which it masks (their path is still compared).
    const coded = h % 3 !== 0;
    throw new GraphQLError(
      `mock failure at ${parentType.name}.${fieldName} ${h % 1000}`,
      coded ? { extensions: { code: h % 2 ? "NOT_FOUND" : "FORBIDDEN", detail: h % 10 } } : {},
    );
  }
  if (ctx.profile === 2 && isNonNullType(returnType) && h % 9 === 0) return null;
  if (!ctx.sized) return generate(returnType, seed, fieldName, ctx, 0);
  const parentFirst = source && typeof source === "object" ? (source as Seeded)[FIRST] : undefined;
  const first = typeof args.first === "number" ? args.first : (parentFirst as number | undefined);
  return generate(returnType, seed, fieldName, ctx, 0, first);
};

function entityResolvers(typeDefs: ReturnType<typeof parse>, profile: () => number) {
  const resolvers: Record<string, Record<string, unknown>> = {};
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== "ObjectTypeDefinition" && definition.kind !== "ObjectTypeExtension") continue;
    if (!definition.directives?.some((d) => d.name.value === "key")) continue;
    const typename = definition.name.value;
    resolvers[typename] = {
      __resolveReference(reference: Record<string, unknown>, ctx: MockContext) {
        const h = hash(`${typename}:${String(reference.id)}/${ctx.profile}/${ctx.tag}/${ctx.subgraph}`);
        if (ctx.profile === 3 && h % 4 === 0) return null;
        if (ctx.profile === 3 && h % 4 === 1)
          throw new GraphQLError(`entity ${typename} ${String(reference.id)} failed`, {
            extensions: { code: "NOT_FOUND" },
          });
        if (ctx.profile === 8 && h % 3 === 0) return { ...reference, __typename: "Ghost" };
        return reference;
      },
    };
  }
  void profile;
  return resolvers;
}

/** One running mock subgraph. */
export interface MockSubgraph {
  name: SubgraphName;
  url: string;
  /** Requests answered (all kinds). */
  requests: number;
}

function profileOf(req: IncomingMessage): { profile: number; tag: string } {
  const match = /^Bearer p(\d+)\.(\w+)\.sig$/.exec(req.headers.authorization ?? "");
  return match ? { profile: Number(match[1]), tag: match[2]! } : { profile: 0, tag: "anon" };
}

/** Which subgraph fails at the HTTP level for a request (profiles 4-7). */
export function failingSubgraph(tag: string): SubgraphName {
  return SUBGRAPH_NAMES[hash(tag) % SUBGRAPH_NAMES.length]!;
}

async function startOne(
  name: SubgraphName,
  memo: boolean,
  sized: boolean,
): Promise<{ subgraph: MockSubgraph; server: Server; apollo: ApolloServer<MockContext> }> {
  const sdl = readFileSync(
    fileURLToPath(new URL(`../../../subgraphs/${name}/src/schema.graphql`, import.meta.url)),
    "utf8",
  );
  const typeDefs = parse(sdl);
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: entityResolvers(typeDefs, () => 0) as never }]);
  const apollo = new ApolloServer<MockContext>({
    schema,
    fieldResolver: mockResolver,
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const subgraph: MockSubgraph = { name, url: "", requests: 0 };
  const answers = new Map<string, { status: number; headers: Record<string, string>; body: string }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      subgraph.requests++;
      const { profile, tag } = profileOf(req);
      if (profile >= 4 && profile <= 7 && failingSubgraph(tag) === name) {
        if (profile === 4) return void res.writeHead(500, { "content-type": "text/plain" }).end("upstream exploded");
        if (profile === 5)
          return void res
            .writeHead(503, { "content-type": "application/json" })
            .end(JSON.stringify({ errors: [{ message: `${name} overloaded`, extensions: { code: "OVERLOADED" } }] }));
        if (profile === 6) return void req.socket.destroy();
        return void res.writeHead(200, { "content-type": "application/json" }).end("{not json");
      }
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const text = Buffer.concat(chunks).toString("utf8");
      // An answer depends on the fault profile and tag, not on the rest of the token (unique per request when profiling).
      const key = `${profile}.${tag}\n${text}`;
      const known = memo ? answers.get(key) : undefined;
      if (known) return void res.writeHead(known.status, known.headers).end(known.body);
      apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: req.method ?? "POST",
            headers,
            search: new URL(req.url ?? "/", "http://x").search,
            body: text ? JSON.parse(text) : undefined,
          },
          context: async () => ({ profile, tag, subgraph: name, sized }),
        })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          for (const [k, v] of answer.headers) out[k] = v;
          res.writeHead(answer.status ?? 200, out);
          if (answer.body.kind === "complete") {
            if (memo) answers.set(key, { status: answer.status ?? 200, headers: out, body: answer.body.string });
            res.end(answer.body.string);
          } else {
            for await (const chunk of answer.body.asyncIterator) res.write(chunk);
            res.end();
          }
        })
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  subgraph.url = `http://127.0.0.1:${address.port}/graphql`;
  return { subgraph, server, apollo };
}

/**
 * Starts the four mock subgraphs on ephemeral ports. With `memo`, each distinct request (fault
 * profile and body) is executed once and then answered from memory: a replay for profiling the
 * gateway alone. With `sized`, a connection has as many items as its `first` asks (the bench's
 * response sizes) instead of 0-3.
 */
export async function startMockSubgraphs(options: { memo?: boolean; sized?: boolean } = {}): Promise<{
  subgraphs: Record<SubgraphName, MockSubgraph>;
  close(): Promise<void>;
}> {
  const started = await Promise.all(
    SUBGRAPH_NAMES.map((name) => startOne(name, options.memo ?? false, options.sized ?? false)),
  );
  return {
    subgraphs: Object.fromEntries(started.map((s) => [s.subgraph.name, s.subgraph])) as Record<
      SubgraphName,
      MockSubgraph
    >,
    async close() {
      await Promise.all(
        started.map(async (s) => {
          s.server.closeAllConnections();
          await new Promise((resolve) => s.server.close(resolve));
          await s.apollo.stop();
        }),
      );
    },
  };
}

/** The object types with a generated value (for tests asserting the generator covers every subgraph). */
export const isGeneratedObject = (type: GraphQLOutputType) => isObjectType(getNamedType(type));
