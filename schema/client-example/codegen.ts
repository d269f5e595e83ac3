// GraphQL Code Generator's client preset against Shopgraph's public API schema: what a web or
// React Native app copies into its repository (`npm i -D @graphql-codegen/cli @graphql-codegen/client-preset`,
// then `npx graphql-codegen`). In this repository `node schema/client-example/generate.ts` runs it
// on the sample app in src/, and schema/test/client-codegen.test.ts checks it in CI.
import type { CodegenConfig } from "@graphql-codegen/cli";

/** The client-preset configuration, with paths relative to this folder (an app's root). */
const config: CodegenConfig = {
  // The public API (no @inaccessible fields); an app points at its copy, or at a development
  // gateway's URL (introspection is off in production).
  schema: "../api.graphql",
  // Operations live next to the components that use them, written with the generated graphql().
  documents: ["src/**/*.ts", "!src/gql/**/*"],
  // Fail on operations that do not validate against the schema, and on a documents glob matching nothing.
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: {
        // Components read fragment data through useFragment(), so a parent never depends on a child's fields.
        fragmentMasking: { unmaskFunctionName: "getFragmentData" },
      },
      config: {
        // Apollo Client and graphql-request both take TypedDocumentNode; types only, no runtime enums.
        useTypeImports: true,
        enumsAsTypes: true,
        // Scalars as they travel in JSON (DateTime: an ISO 8601 string).
        // Only the input and enum types operations use, not the whole schema.
        onlyOperationTypes: true,
        skipTypename: false,
        // `import … from "./graphql.js"`: resolves under TypeScript's nodenext and in browsers' ESM.
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
