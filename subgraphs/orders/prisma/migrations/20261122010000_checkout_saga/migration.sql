-- CreateEnum
CREATE TYPE "ProviderChargeStatus" AS ENUM ('AUTHORIZED', 'CAPTURED', 'DECLINED', 'REFUNDED', 'VOIDED');

-- CreateTable
CREATE TABLE "ProviderCharge" (
    "orderId" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "status" "ProviderChargeStatus" NOT NULL,
    "amountMinor" BIGINT NOT NULL,
    "currencyCode" "CurrencyCode",
    "capturedMinor" BIGINT NOT NULL DEFAULT 0,
    "refundedMinor" BIGINT NOT NULL DEFAULT 0,
    "declineCode" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProviderCharge_pkey" PRIMARY KEY ("orderId")
);

-- CreateIndex
CREATE INDEX "Order_sagaStep_updatedAt_idx" ON "Order"("sagaStep", "updatedAt");

-- CreateIndex
CREATE INDEX "IdempotencyRecord_orderId_idx" ON "IdempotencyRecord"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "ProviderCharge_reference_key" ON "ProviderCharge"("reference");

-- AddCheckConstraint (hand-written: Prisma's schema language cannot express CHECK constraints)
ALTER TABLE "ProviderCharge" ADD CONSTRAINT "ProviderCharge_amountMinor_nonnegative" CHECK ("amountMinor" >= 0);
ALTER TABLE "ProviderCharge" ADD CONSTRAINT "ProviderCharge_refund_within_capture" CHECK ("capturedMinor" >= 0 AND "refundedMinor" >= 0 AND "refundedMinor" <= "capturedMinor" AND "capturedMinor" <= "amountMinor");
