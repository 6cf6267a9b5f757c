/**
 * A jest reporter that says how many real-server tests ran (files named *.real.test.ts), and ends the run
 * with one line of totals. Under CI a real-server test that was skipped, or a run that selected the real
 * project and ran none, fails the run: real-server proofs must run, not pass by not running.
 */
class RealCountReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const real = results.testResults.filter((r) => /\.real\.test\.ts$/.test(r.testFilePath));
    const sum = (rs, key) => rs.reduce((n, r) => n + r[key], 0);
    const passed = sum(real, "numPassingTests");
    const failed = sum(real, "numFailingTests") + real.filter((r) => r.testExecError).length;
    const skipped = sum(real, "numPendingTests") + sum(real, "numTodoTests");
    process.stdout.write(
      `\nreal-server tests (${real.length} files): ${passed} passed, ${failed} failed, ${skipped} skipped\n`,
    );
    if (process.env.CI === "true" && real.length > 0 && skipped > 0) {
      this.error = new Error(`${skipped} real-server test(s) were skipped under CI: they must run`);
    }
    const selected = this.globalConfig.selectProjects;
    if (process.env.CI === "true" && selected && selected.includes("real") && passed + failed === 0) {
      this.error = new Error("the real-server project was selected but no real-server test ran");
    }
    const totals = `total: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`;
    process.stdout.write(totals);
    // .ci/run prints these lines again as its very last output, after jest's own summary.
    if (process.env.FERRUM_TEST_SUMMARY) {
      require("fs").writeFileSync(
        process.env.FERRUM_TEST_SUMMARY,
        `real-server tests (${real.length} files): ${passed} passed, ${failed} failed, ${skipped} skipped\n${totals}`,
      );
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = RealCountReporter;
