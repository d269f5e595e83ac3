import { toPayload } from "@shopgraph/errors";
import type { RegisteredApp } from "../domain/apps.ts";

/** RegisterAppPayload from a domain call: the app and (CONFIDENTIAL) its one-time secret, or userErrors. */
export async function registeredAppPayload(run: () => Promise<RegisteredApp>) {
  const result = await toPayload("registered", run);
  return {
    app: result.registered?.app ?? null,
    clientSecret: result.registered?.clientSecret ?? null,
    userErrors: result.userErrors,
  };
}

/** A `{ success, userErrors }` payload from a domain call that returns nothing. */
export async function successPayload(run: () => Promise<void>) {
  const result = await toPayload("success", async () => (await run(), true));
  return { success: result.success ?? false, userErrors: result.userErrors };
}
