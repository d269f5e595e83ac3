# One image for every Shopgraph process; docker-compose.yml picks the entry point per service
# (`command: ["node", "--import", "./packages/telemetry/src/register.ts", "subgraphs/users/src/index.ts"]`:
# the preload starts OpenTelemetry before the entry point's imports). Node 24 runs the TypeScript
# sources directly (type stripping), so there is no build step.
FROM node:24-slim

# CI=true: pnpm never waits for a TTY prompt. Telemetry off before any Apollo package loads.
ENV CI=true \
    APOLLO_TELEMETRY_DISABLED=true

# The exact pnpm of package.json#packageManager, from npm (corepack needs integrity-key workarounds).
RUN npm install --global pnpm@11.28.11 && npm cache clean --force

WORKDIR /app

# Dependencies in their own layer, keyed on the lockfile only: `pnpm fetch` reads no package.json,
# so source edits do not refetch packages.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY patches ./patches
RUN pnpm fetch

COPY . .
# --prod=false: the dev tools (prisma CLI for migrations, typescript types) ship too; the image is
# also what CI and the compose stack test with. pnpm-workspace.yaml denies the build scripts.
RUN pnpm install --frozen-lockfile --offline --prod=false

# Writable data dir for the non-root user (embedded PGlite / dev keys when no DATABASE_URL).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

ENV NODE_ENV=production \
    HOST=0.0.0.0
EXPOSE 4000 4001 4002 4003 4004
CMD ["node", "--import", "./packages/telemetry/src/register.ts", "gateway/src/index.ts"]
