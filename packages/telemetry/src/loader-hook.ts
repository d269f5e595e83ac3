import { createRequire, isBuiltin, register, syncBuiltinESMExports } from "node:module";
import { createAddHookMessageChannel } from "import-in-the-middle";
import { register as registerSyncHooks, supportsSyncHooks } from "import-in-the-middle/register-hooks.mjs";
import { INSTRUMENTED_MODULES } from "./instrumentations.ts";

/**
 * Registers the import-in-the-middle loader so ES module imports of pg, ioredis and node:http can
 * be patched (require hooks alone only see CommonJS). Only the modules an instrumentation patches
 * are wrapped: wrapping everything would slow start-up and can break modules with unusual exports.
 * Resolves the returned function once the loader knows every module to wrap; call it after the
 * instrumentations are enabled and before the application is imported.
 *
 * Where Node allows it (24.11.1 and later) the hooks run in-thread (`module.registerHooks`): the
 * off-thread loader of `module.register` costs every process a second Node environment and a
 * synchronous round trip to it for each of the ~1,650 modules it imports: ~0.9 CPU s per process on
 * a warm `pnpm start` (all five: 26–28 → 21–23.5 CPU s, interleaved runs). In-thread, the wrapper
 * of a builtin would be built by requiring it, which lets the require hook patch it first and the
 * wrapper's named exports never: builtins are patched the CommonJS way, their ES bindings synced.
 */
export function registerLoaderHook(): () => Promise<void> {
  if (supportsSyncHooks()) {
    registerSyncHooks({ include: INSTRUMENTED_MODULES.filter((name) => !isBuiltin(name)) });
    return async () => {
      const require = createRequire(import.meta.url);
      for (const name of INSTRUMENTED_MODULES.filter(isBuiltin)) require(name);
      // `import { request } from "node:http"` then sees the instrumented function too.
      syncBuiltinESMExports();
    };
  }
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
  return waitForAllMessagesAcknowledged;
}
