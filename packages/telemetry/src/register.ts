// `node --import ./packages/telemetry/src/register.ts <entry>`: starts tracing before the entry
// point imports anything, which ESM requires for pg, ioredis and http to be instrumented.
//
// First, V8's on-disk compile cache (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off). Start-up is mostly compiling ~1,650 modules; a
// restarted process (after a crash, a deploy on the same node, a container restart) reuses the
// cached code and spends about 30 % less CPU getting ready (issue #12 fault 3). Entries are
// checked against the source, so an edited file is simply compiled again. It is enabled before
// anything else is even parsed, hence the dynamic import.
import { enableCompileCache } from "node:module";

enableCompileCache();
await import("./start-from-env.ts");
