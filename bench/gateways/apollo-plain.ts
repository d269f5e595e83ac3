/**
 * The baseline: a plain @apollo/gateway inside @apollo/server's standalone server with default
 * options, on the same supergraph. The only additions are what any deployment needs to run the
 * same operations: the Authorization header is forwarded to subgraphs (the Apollo docs' pattern),
 * the gateway's credential is sent on every subgraph fetch (Shopgraph's subgraphs refuse requests
 * without it), and telemetry is off (set before the packages load).
 * The supergraph is given without its authorization links (`for: SECURITY`), which @apollo/gateway
 * refuses: plain Apollo does not enforce @requiresScopes/@policy (Shopgraph's gateway does).
 * Env: PORT, HOST, SUPERGRAPH_PATH, GATEWAY_TOKEN.
 */
import "./telemetry-off.ts";
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { stripSecurityLinks } from "../../gateway/src/authorization/strip-security-links.ts";

interface Context {
  authorization?: string | undefined;
}

const credential = process.env.GATEWAY_TOKEN ?? "";

class AuthForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>) {
    request.http?.headers.set("x-service-token", credential);
    if ("authorization" in context && context.authorization)
      request.http?.headers.set("authorization", context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: stripSecurityLinks(readFileSync(process.env.SUPERGRAPH_PATH ?? "", "utf8")),
  buildService: ({ url }) => new AuthForwardingDataSource({ url }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? "127.0.0.1" },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(`apollo gateway ready at ${url}\n`);

const stop = () => void server.stop().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
