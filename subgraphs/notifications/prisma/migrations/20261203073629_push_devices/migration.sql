-- Push notifications (#15 §2): devices (a token is unique, so registering it again moves it), the push
-- preference, channel PUSH, and one delivery per (event, user, channel, recipient): one per device.
-- CreateEnum
CREATE TYPE "PushPlatform" AS ENUM ('IOS', 'ANDROID', 'WEB');

-- AlterEnum
ALTER TYPE "NotificationChannel" ADD VALUE 'PUSH';

-- DropIndex
DROP INDEX "Delivery_eventId_userId_channel_key";

-- AlterTable
ALTER TABLE "NotificationPreference" ADD COLUMN     "push" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "PushDevice" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platform" "PushPlatform" NOT NULL,
    "token" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),

    CONSTRAINT "PushDevice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PushDevice_token_key" ON "PushDevice"("token");

-- CreateIndex
CREATE INDEX "PushDevice_userId_createdAt_idx" ON "PushDevice"("userId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_eventId_userId_channel_recipient_key" ON "Delivery"("eventId", "userId", "channel", "recipient");

