import { envInt, loadConfig, z } from "@shopgraph/config";
import { checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

const schema = z
  .object({
    ...subgraphEnv(4001),
    /** JSON array of private JWKs (Ed25519, each with a kid); the first signs. Required in production. */
    JWT_PRIVATE_KEYS: z.string().optional(),
    ACCESS_TOKEN_TTL_SECONDS: envInt(900, 60),
    REFRESH_TOKEN_TTL_SECONDS: envInt(30 * 24 * 3600, 3600),
  })
  .superRefine((env, ctx) => {
    checkServiceToken(env, ctx);
    if (env.JWT_PRIVATE_KEYS) {
      try {
        const keys: unknown = JSON.parse(env.JWT_PRIVATE_KEYS);
        if (!Array.isArray(keys) || keys.length === 0) throw new Error("not a non-empty array");
      } catch {
        ctx.addIssue({ code: "custom", path: ["JWT_PRIVATE_KEYS"], message: "must be a JSON array of private JWKs" });
      }
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.JWT_PRIVATE_KEYS) ctx.addIssue({ code: "custom", path: ["JWT_PRIVATE_KEYS"], message: "required in production" });
  });

/** The users subgraph's validated configuration. */
export type UsersConfig = ReturnType<typeof loadUsersConfig>;

/** Reads and validates the environment (the only place users reads process.env). */
export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("users", schema, env);
  return Object.freeze(finishSubgraphConfig(config, env));
}
