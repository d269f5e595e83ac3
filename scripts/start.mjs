// `pnpm start`'s entry point, in JavaScript on purpose: the supervisor (start.ts) is TypeScript, and
// Node strips types with a WebAssembly module (~13 MiB resident for the whole session) unless the
// compile cache already holds the stripped source. This file needs no stripping, so it can turn the
// cache on before any TypeScript is read; from the second start on the supervisor never loads the
// stripper (measured: 94 -> 81 MiB RSS). The cache is Node's default one (NODE_COMPILE_CACHE, else
// os.tmpdir()/node-compile-cache), like the children's preload (packages/telemetry/src/register.ts).
import { enableCompileCache } from "node:module";

enableCompileCache();
await import("./start.ts");
