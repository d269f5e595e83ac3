import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";
import { CREDENTIAL_FIELDS, countCredentialFields, fragmentsOf } from "@shopgraph/operation-limits";

/** Options for {@link credentialLimitPlugin}. */
export interface CredentialLimitOptions {
  /** Most times each credential field may run in one operation. Default 1 (one login per request). */
  maxPerField: number;
  /** The fields counted. Default login, register, refreshSession. */
  fields?: ReadonlySet<string>;
}

/**
 * Caps credential fields per operation (MAX_CREDENTIAL_FIELDS): twenty password guesses in one
 * request, through aliases or fragments, are one 400 before anything is planned or sent to users.
 * Counted once variables are known, so a field `@skip`ped by a variable is not held against the
 * client, and independent of rate limiting (on even with RATE_LIMIT_ENABLED=false).
 */
export function credentialLimitPlugin<C extends BaseContext>(options: CredentialLimitOptions): ApolloServerPlugin<C> {
  const fields = options.fields ?? CREDENTIAL_FIELDS;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const counts = countCredentialFields(operation, fragmentsOf(document), request.variables ?? {}, fields);
          for (const [field, count] of counts) {
            if (count <= options.maxPerField) continue;
            const shown = Number.isFinite(count) ? String(count) : "too many";
            throw codedError(
              ErrorCode.GRAPHQL_VALIDATION_FAILED,
              `\`${field}\` appears ${shown} times; at most ${options.maxPerField} per operation`,
              {
                status: 400,
                limit: "credentialFields",
              },
            );
          }
        },
      };
    },
  };
}
