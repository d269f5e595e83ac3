import { ApolloServer } from "@apollo/server";
import { describe, expect, it } from "vitest";
import { clientInputPlugin } from "../src/client-input-plugin.ts";

const server = new ApolloServer({
  typeDefs: "type Query { echo(text: String): String }",
  resolvers: { Query: { echo: (_: unknown, args: { text?: string }) => args.text ?? null } },
  plugins: [clientInputPlugin()],
});

async function run(query: string) {
  const res = await server.executeOperation({ query });
  if (res.body.kind !== "single") throw new Error("single result expected");
  return res.body.singleResult;
}

describe("clientInputPlugin: inline literals, checked once per parsed document", () => {
  it("refuses the same unsafe document on every request, not only the first (the verdict is cached with it)", async () => {
    const query = '{ echo(text: "a\\u0000b") }';
    for (let i = 0; i < 3; i++) {
      const result = await run(query);
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(result.data).toBeUndefined();
    }
  });

  it("answers a safe document every time", async () => {
    for (let i = 0; i < 3; i++) expect((await run('{ echo(text: "lamp") }')).data).toEqual({ echo: "lamp" });
  });
});

describe("clientInputPlugin: variables", () => {
  const withVariables = async (variables: Record<string, unknown>) => {
    const res = await server.executeOperation({ query: "query($v: String) { echo(text: $v) }", variables });
    if (res.body.kind !== "single") throw new Error("single result expected");
    return res.body.singleResult;
  };

  it("names the path of an unsafe string deep inside lists and objects, and of an unsafe key", async () => {
    const nested = await withVariables({ v: "ok", r: [{ a: "fine" }, { a: ["x", { b: "bad\u0000" }] }] });
    expect(nested.errors?.[0]?.message).toBe('Variable "$r.1.a.1.b" contains a NUL character');
    expect(nested.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const key = await withVariables({ r: [{ ["k\uD800"]: 1 }] });
    expect(key.errors?.[0]?.message).toBe('Variable "$r.0.(key)" contains an unpaired UTF-16 surrogate');
  });

  it("lets hundreds of safe representations through", async () => {
    const r = Array.from({ length: 500 }, (_, i) => ({ __typename: "Product", id: `p-${i}`, tags: ["a", "b"] }));
    expect((await withVariables({ v: "lamp", r })).data).toEqual({ echo: "lamp" });
  });
});
