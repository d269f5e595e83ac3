-- CreateEnum
CREATE TYPE "AppType" AS ENUM ('PUBLIC', 'CONFIDENTIAL');

-- CreateTable
CREATE TABLE "OAuthApp" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" "AppType" NOT NULL,
    "redirectUris" TEXT[],
    "scopes" TEXT[],
    "machineToMachine" BOOLEAN NOT NULL DEFAULT false,
    "secretHash" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthApp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OidcPayload" (
    "model" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "grantId" TEXT,
    "userCode" TEXT,
    "uid" TEXT,
    "accountId" TEXT,
    "clientId" TEXT,
    "expiresAt" TIMESTAMPTZ(3),
    "consumedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OidcPayload_pkey" PRIMARY KEY ("model","id")
);

-- CreateIndex
CREATE INDEX "OAuthApp_createdAt_id_idx" ON "OAuthApp"("createdAt", "id");

-- CreateIndex
CREATE INDEX "OidcPayload_grantId_idx" ON "OidcPayload"("grantId");

-- CreateIndex
CREATE INDEX "OidcPayload_uid_idx" ON "OidcPayload"("uid");

-- CreateIndex
CREATE INDEX "OidcPayload_accountId_model_idx" ON "OidcPayload"("accountId", "model");

-- CreateIndex
CREATE INDEX "OidcPayload_clientId_model_idx" ON "OidcPayload"("clientId", "model");

-- CreateIndex
CREATE INDEX "OidcPayload_expiresAt_idx" ON "OidcPayload"("expiresAt");

