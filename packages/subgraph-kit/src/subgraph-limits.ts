import {
  CREDENTIAL_FIELDS,
  DEFAULT_COST_MODEL,
  type OperationLimits,
  type VariableLimitsOptions,
} from "@shopgraph/operation-limits";
import { envInt } from "@shopgraph/config";

/**
 * Operation limits every subgraph enforces itself (defence in depth: a caller holding a
 * credential still cannot send what the gateway would refuse). Depth and root fields match the
 * gateway's defaults: a query plan never nests deeper or adds root fields. Aliases, directives,
 * fields and tokens get twice the gateway's: plans add `__typename`, key fields, inline fragments
 * and, on conflicts, aliases. Cost gets five times: the gateway assumes 10 items per plain list,
 * while a subgraph counts the entity representations it really receives (an order has up to 50 lines).
 */
export const subgraphLimitsEnv = {
  MAX_DEPTH: envInt(15),
  MAX_ALIASES: envInt(60),
  MAX_ROOT_FIELDS: envInt(20),
  MAX_DIRECTIVES: envInt(100),
  MAX_FIELDS: envInt(3_000),
  MAX_TOKENS: envInt(6_000),
  MAX_COST: envInt(50_000),
  /** Each of login, register and refreshSession at most this often per operation (the gateway allows 1). */
  MAX_CREDENTIAL_FIELDS: envInt(1),
};

/** The limits a subgraph server enforces. */
export interface SubgraphLimits extends OperationLimits, VariableLimitsOptions {
  /** Most lexical tokens in a document; enforced by the parser itself. */
  maxTokens: number;
}

type LimitsEnv = { [K in keyof typeof subgraphLimitsEnv]: number };

/** The limits from a subgraph's validated config. */
export function subgraphLimits(config: LimitsEnv): SubgraphLimits {
  return {
    maxDepth: config.MAX_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxRootFields: config.MAX_ROOT_FIELDS,
    maxDirectives: config.MAX_DIRECTIVES,
    maxFields: config.MAX_FIELDS,
    maxTokens: config.MAX_TOKENS,
    maxCost: config.MAX_COST,
    maxCredentialFields: config.MAX_CREDENTIAL_FIELDS,
    credentialFields: CREDENTIAL_FIELDS,
    ...DEFAULT_COST_MODEL,
  };
}

/** The defaults, for servers built without a config (tests). */
export const DEFAULT_SUBGRAPH_LIMITS: SubgraphLimits = subgraphLimits(
  Object.fromEntries(
    Object.entries(subgraphLimitsEnv).map(([name, schema]) => [name, schema.parse(undefined)]),
  ) as LimitsEnv,
);
