import { ApolloServer, HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { pluginChain } from "../src/plugin-chain.ts";

type Events = string[];

/**
 * A plugin that records each hook when it starts and, after a microtask, when it settles: the log
 * shows the order of the calls and which ones overlapped (what a chain has to preserve).
 */
function recorder(name: string, events: Events, behaviour: { answer?: boolean; reject?: boolean } = {}) {
  const step = async (hook: string) => {
    events.push(`${name}.${hook}`);
    await Promise.resolve();
    events.push(`${name}.${hook} done`);
  };
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      await step("requestDidStart");
      const listener: GraphQLRequestListener<object> = {
        didResolveSource: () => step("didResolveSource"),
        async parsingDidStart() {
          await step("parsingDidStart");
          return async () => void events.push(`${name}.parsingDidEnd`);
        },
        async validationDidStart() {
          await step("validationDidStart");
          return async (errors) => void events.push(`${name}.validationDidEnd ${errors?.length ?? 0}`);
        },
        async didResolveOperation() {
          await step("didResolveOperation");
          if (behaviour.reject) throw new GraphQLError(`${name} refuses`, { extensions: { code: "REFUSED" } });
        },
        async responseForOperation() {
          await step("responseForOperation");
          if (!behaviour.answer) return null;
          return {
            http: { status: 200, headers: new HeaderMap() },
            body: { kind: "single", singleResult: { data: { by: name } } },
          };
        },
        async executionDidStart() {
          await step("executionDidStart");
          return {
            willResolveField: () => {
              events.push(`${name}.willResolveField`);
              return () => void events.push(`${name}.didResolveField`);
            },
            executionDidEnd: () => step("executionDidEnd"),
          };
        },
        didEncounterErrors: () => step("didEncounterErrors"),
        willSendResponse: () => step("willSendResponse"),
      };
      return listener;
    },
  };
  return plugin;
}

/** Only some hooks, as most plugins have: the chain must not invent calls for the rest. */
function sparse(name: string, events: Events): ApolloServerPlugin {
  return {
    async requestDidStart() {
      events.push(`${name}.requestDidStart`);
      return { willSendResponse: async () => void events.push(`${name}.willSendResponse`) };
    },
  };
}

type Layout = (
  events: Events,
  behaviour: Record<string, { answer?: boolean; reject?: boolean }>,
) => ApolloServerPlugin[];

const separate: Layout = (events, b) => [
  recorder("a", events, b.a),
  sparse("s", events),
  recorder("b", events, b.b),
  ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
  recorder("c", events, b.c),
];
const chained: Layout = (events, b) => [
  pluginChain([recorder("a", events, b.a), sparse("s", events), recorder("b", events, b.b)]),
  ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
  pluginChain([recorder("c", events, b.c)]),
];

async function run(
  layout: Layout,
  query: string,
  behaviour: Record<string, { answer?: boolean; reject?: boolean }> = {},
) {
  const events: Events = [];
  const server = new ApolloServer({
    typeDefs: "type Query { hello: String, by: String }",
    resolvers: { Query: { hello: () => "world" } },
    plugins: layout(events, behaviour),
  });
  await server.start();
  const response = await server.executeOperation({ query });
  await server.stop();
  return { events, body: response.body };
}

describe("pluginChain: the same hooks, in the same order and overlap, as the plugins listed one by one", () => {
  const cases: [string, string, Record<string, { answer?: boolean; reject?: boolean }>][] = [
    ["an executed query (resolvers instrumented through willResolveField)", "{ hello }", {}],
    ["a parse error", "{ hello", {}],
    ["a validation error", "{ nope }", {}],
    ["a plugin refusing the operation in didResolveOperation", "{ hello }", { b: { reject: true } }],
    ["a plugin answering in responseForOperation (the later ones are not asked)", "{ hello }", { b: { answer: true } }],
  ];
  it.each(cases)("%s", async (_name, query, behaviour) => {
    const expected = await run(separate, query, behaviour);
    const actual = await run(chained, query, behaviour);
    expect(actual.body).toEqual(expected.body);
    expect(actual.events).toEqual(expected.events);
    expect(actual.events.length).toBeGreaterThan(10);
  });
});

describe("pluginChain: what it refuses", () => {
  it("refuses a plugin with server-level hooks and Apollo's own plugins, which Apollo finds by id", () => {
    expect(() => pluginChain([{ serverWillStart: async () => {} }])).toThrow(/serverWillStart/);
    expect(() => pluginChain([{ contextCreationDidFail: async () => {} }])).toThrow(/contextCreationDidFail/);
    expect(() => pluginChain([ApolloServerPluginCacheControl()])).toThrow(/Apollo's own plugins/);
  });
});
