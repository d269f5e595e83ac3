# One image for every Shopgraph process; docker-compose.yml and the Kubernetes manifests pick the entry point
# per service (`node --import ./packages/telemetry/src/register.ts subgraphs/users/src/index.ts`: the preload
# starts OpenTelemetry before the entry point's imports; `node subgraphs/<name>/src/migrate.ts` for the
# migration Jobs). Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
#
# Two stages: the first installs the production dependencies of the five services only (no dev tools, no
# PGlite, no bench or schema tooling) with pnpm; the second copies the result without pnpm or its store.

FROM node:24-slim AS install
# CI=true: pnpm never waits for a TTY prompt.
ENV CI=true
# The exact pnpm of package.json#packageManager, from npm (corepack needs integrity-key workarounds).
RUN npm install --global pnpm@11.28.11 && npm cache clean --force
WORKDIR /app
# Packages in their own layer, keyed on the lockfile only: `pnpm fetch` reads no package.json, so source
# edits do not refetch packages.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
RUN pnpm fetch --prod
COPY . .
# The gateway, the four subgraphs and the workspace packages they depend on, production dependencies only
# (pnpm-workspace.yaml denies the build scripts). Then what never runs here: Prisma's query compilers for
# other databases and source maps (~55 MB), and the test folders.
RUN pnpm install --frozen-lockfile --offline --prod --filter "@shopgraph/gateway..." --filter "@shopgraph/*-subgraph..." \
 && find node_modules/.pnpm -path "*/@prisma/client/runtime/*" \
      \( -name "*.map" -o -name "*.mysql.*" -o -name "*.sqlite.*" -o -name "*.sqlserver.*" -o -name "*.cockroachdb.*" \) -delete \
 && rm -rf bench deploy/test test .github .ci gateway/test packages/*/test subgraphs/*/test schema/test scripts/test

FROM node:24-slim
# Telemetry off before any Apollo package loads.
ENV APOLLO_TELEMETRY_DISABLED=true \
    NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=install /app /app
# Writable data dir for the non-root user (dev keys when no key is configured).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000 4001 4002 4003 4004
# The gateway's V8 heap flags are gateway/src/node-flags.ts (why, and the test that keeps every start command in step).
CMD ["node", "--max-semi-space-size=32", "--max-old-space-size=1024", "--import", "./packages/telemetry/src/register.ts", "gateway/src/index.ts"]
