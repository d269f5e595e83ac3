// ESLint flat config (typescript-eslint, type-aware through the project service). Formatting is Prettier's
// job (.prettierrc.json), import arrows are dependency-cruiser's (.dependency-cruiser.cjs); this file holds
// the code rules, and the "only config.ts reads process.env" rule (see ARCHITECTURE.md).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Files that are a deployable's configuration reader: the only production code allowed to touch process.env. */
const configFiles = [
  "**/config.ts",
  "**/prisma.config.ts",
  // The config loader itself and the subgraph kit's shared config readers (every subgraph's config.ts calls them).
  "packages/config/src/**",
  "packages/subgraph-kit/src/subgraph-config.ts",
  "packages/subgraph-kit/src/migrate-job.ts",
  // Sets APOLLO_TELEMETRY_DISABLED before Apollo is imported (a write, the kill switch, not a read of config).
  "gateway/src/telemetry-guard.ts",
  // A one-shot operator CLI (its own entry point): ADMIN_PASSWORD keeps the password out of argv.
  "subgraphs/users/src/cli/**",
];

/** Code that is not deployed: tests, their harnesses, benchmarks and dev scripts drive child processes by env. */
const harnessFiles = [
  "**/test/**",
  "**/*.test.ts",
  "packages/testing/**",
  "bench/**",
  "scripts/**",
  "schema/**",
  "deploy/**",
  "vitest.config.ts",
];

const processEnvMessage =
  "Only a config.ts reads process.env: take the value from the service's typed config (ARCHITECTURE.md).";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/generated/**",
      "**/db/generated/**",
      "**/.data/**",
      "bench/results/**",
      "schema/client-example/src/gql/**",
      ".ci/**",
      "test/architecture/fixtures/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "*.cjs", "*.mjs", ".ci/*.mjs", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Type-aware rules: the bugs types can see (lost promises, awaiting non-promises, open switches).
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "off",
      // process.env, also as `const { env } = process` or `import { env } from "node:process"`.
      "no-restricted-properties": ["error", { object: "process", property: "env", message: processEnvMessage }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
          message: processEnvMessage,
        },
        {
          selector: "ImportDeclaration[source.value=/^(node:)?process$/] > ImportSpecifier[imported.name='env']",
          message: processEnvMessage,
        },
      ],
    },
  },
  {
    files: [...configFiles, ...harnessFiles],
    rules: { "no-restricted-properties": "off", "no-restricted-syntax": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
);
