#!/usr/bin/env node
// Prints the last line of a CI run, `N passed, N failed[, N skipped]`, from vitest's JSON report.
// vitest's own summary is not a format CI recognises.
//
//   node .ci/summary.mjs <vitest.json> <vitest exit code>
//
// Failures count failed tests plus test files that failed outside any test (an import error, a
// failing beforeAll). A run that exited non-zero never reports "0 failed": errors outside tests
// (unhandled rejections, a missing report) count as one failure, so the line agrees with the status.
import { existsSync, readFileSync } from "node:fs";

const [reportPath = ".ci/vitest.json", exitArg = "0"] = process.argv.slice(2);
const exitCode = Number(exitArg);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed = report.numPassedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const hasFailedTest = (file.assertionResults ?? []).some((a) => a.status === "failed");
    if (file.status === "failed" && !hasFailedTest) {
      failed += 1;
      console.log(`summary: ${file.name} failed outside its tests: ${String(file.message ?? "").split("\n")[0]}`);
    }
  }
} else {
  console.log(`summary: no vitest report at ${reportPath} (vitest did not finish)`);
}
if (exitCode !== 0 && failed === 0) {
  failed = 1;
  console.log(
    `summary: vitest exited with ${exitCode} without a failed test (errors outside tests); counted as one failure`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
