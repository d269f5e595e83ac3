/**
 * Runs a gateway entry file with N worker processes on one port:
 *
 *   node bench/gateways/cluster.ts <workers> <entry.ts>
 *
 * One worker runs the entry in this very process (no primary in between). More workers use
 * node:cluster: the primary only accepts connections and hands them out round-robin (Linux
 * default), each worker runs the whole gateway. Every gateway in the bench is started this way,
 * so all of them get the same number of processes. SIGTERM/SIGINT stop the workers gracefully.
 */
import cluster from "node:cluster";
import { pathToFileURL } from "node:url";

const [workersArg, entry] = process.argv.slice(2);
const workers = Number(workersArg);
if (!entry || !Number.isInteger(workers) || workers < 1) {
  process.stderr.write("usage: cluster.ts <workers> <entry.ts>\n");
  process.exit(2);
}

if (workers === 1) {
  await import(pathToFileURL(entry).href);
} else {
  cluster.setupPrimary({ exec: entry, args: [] });
  let stopping = false;
  let failed = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (!stopping) {
      failed = true;
      process.stderr.write(`worker ${worker.process.pid} died (${signal ?? code}); stopping\n`);
      stop();
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
