import { DomainError, userError } from "@shopgraph/errors";
import type { Db } from "../db/client.ts";
import {
  deletePushDevice,
  trimPushDevices,
  upsertPushDevice,
  type PushDevice,
  type PushPlatform,
} from "../db/push-device-repository.ts";

/**
 * Longest token accepted. FCM registration tokens are ~160 characters and APNs tokens 64 hex
 * digits; the bound keeps the unique index's entries far below PostgreSQL's ~2.7 kB B-tree limit.
 */
export const MAX_PUSH_TOKEN_LENGTH = 1_024;

/** Tokens are printable ASCII without spaces (FCM: letters, digits, `-`, `_`, `:`). */
const TOKEN = /^[\x21-\x7e]+$/;

/** The input of registerPushDevice. */
export interface RegisterPushDeviceInput {
  platform: PushPlatform;
  token: string;
}

/** The checked token, or throws INVALID_PUSH_TOKEN on the given input path. */
function checkToken(token: string, field: string[]): string {
  const trimmed = token.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_PUSH_TOKEN_LENGTH || !TOKEN.test(trimmed)) {
    const message = `Push token must be 1-${MAX_PUSH_TOKEN_LENGTH} printable characters without spaces`;
    throw new DomainError(userError("INVALID_PUSH_TOKEN", message, field));
  }
  return trimmed;
}

/**
 * Registers a device to the viewer. The token is unique across users: when another account signs
 * in on the same device, the token moves to it and the previous user receives nothing more there.
 * Each user keeps at most `maxDevices`; registering beyond that drops their oldest registration
 * (phones are replaced and tokens rotate, so stale ones pile up; refusing would lock users out).
 */
export async function registerPushDevice(
  db: Db,
  userId: string,
  input: RegisterPushDeviceInput,
  maxDevices: number,
): Promise<PushDevice> {
  const token = checkToken(input.token, ["input", "token"]);
  const device = await upsertPushDevice(db, userId, input.platform, token);
  await trimPushDevices(db, userId, maxDevices);
  return device;
}

/** Unregisters one of the viewer's devices; another user's token looks exactly like an unknown one. */
export async function unregisterPushDevice(db: Db, userId: string, token: string): Promise<void> {
  const checked = checkToken(token, ["token"]);
  if (!(await deletePushDevice(db, userId, checked)))
    throw new DomainError(userError("NOT_FOUND", "Push device not found", ["token"]));
}
