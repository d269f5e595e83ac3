import { register } from "node:module";
import { createAddHookMessageChannel } from "import-in-the-middle";

/**
 * Registers the import-in-the-middle loader so ES module imports of pg, ioredis and node:http can
 * be patched (require hooks alone only see CommonJS). Only modules an instrumentation asks for are
 * wrapped: wrapping everything would slow start-up and can break modules with unusual exports.
 * Resolves the returned function once the loader thread knows every module to wrap; call it after
 * the instrumentations are enabled and before the application is imported.
 */
export function registerLoaderHook(): () => Promise<void> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
  return waitForAllMessagesAcknowledged;
}
