import { buildASTSchema, parse } from "graphql";
import { createAccessAnalyzer, type AccessAnalyzer, type AccessAnalyzerOptions } from "@shopgraph/auth";

/**
 * The access analyzer of a supergraph's original text (the copy Apollo's planner gets has its
 * SECURITY links stripped). Built as plain SDL: every type and field keeps its directives
 * (join__/link__ are there too, unused); client operations were validated against the API schema,
 * a subset of it.
 */
export function supergraphAccess(supergraphSdl: string, options: AccessAnalyzerOptions = {}): AccessAnalyzer {
  return createAccessAnalyzer(buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true }), options);
}
