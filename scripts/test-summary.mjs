// Prints vitest's JSON report as one plain line, "N passed, N failed", so a run that executed no test shows.
// One report covers both vitest projects (unit and integration): `npm test` runs them in one vitest process.
// The optional second argument is `npm test`'s exit status: vitest fails a run for errors outside any test
// (an unhandled rejection, a global setup that threw), which its JSON report does not record, so a run whose
// tests all passed but whose status is not 0 says so on stderr before the summary line.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
const runStatus = process.argv[3] === undefined ? 0 : Number(process.argv[3]);
if (!existsSync(file)) {
  console.log('0 passed, 0 failed');
  console.error(`no vitest report at ${file}: the suite did not run`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
// A failed test counts once. A test file that failed without any failed test (it did not load, or a hook threw)
// counts as one failure too; numFailedTestSuites alone would count a file and each of its describe blocks.
const files = Array.isArray(report.testResults) ? report.testResults : [];
const brokenFiles = files.filter(
  (file) =>
    file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (runStatus !== 0 && failed === 0) {
  console.error(
    `npm test exited with status ${runStatus} although no test failed: lint, type-check, or an error ` +
      'outside any test (see "Unhandled Errors" in the output above).',
  );
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 || skipped > 0 ? 1 : 0);
