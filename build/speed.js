"use strict";
/**
 * FERRUM_SPEED, the one switch over every speed measure of this repository, read here and nowhere else.
 *
 *   FERRUM_SPEED=on   (the default, also when unset or empty) every measure build/README.md lists is on:
 *                     build/run.js's compile cache, the lazy modules (build/lazy-modules.js, and jest's
 *                     moduleNameMapper to build/lazy/), the mock runtime's skipped stack frames
 *                     (harness/mock-runtime.ts's runProgram), the plans test files share within a jest
 *                     worker (tests/helpers/shared-plans.ts) and the jest workers' larger young generation
 *                     (jest.config.js).
 *   FERRUM_SPEED=off  none of them: every module loads when Pulumi requires it, every .ts file is compiled
 *                     afresh, Pulumi records its stack frames as its own code does, every test file
 *                     plans for itself, and jest's workers run with Node's default heap settings.
 *
 * Any other value is refused, naming the variable, the value and the accepted values. Plain CommonJS: it
 * runs before any TypeScript can be compiled.
 */
const VARIABLE = "FERRUM_SPEED";
const VALUES = ["on", "off"];

class SpeedSwitchError extends Error {}

/** Whether the speed measures are on, from `env` (the process's by default); throws SpeedSwitchError. */
function speedMeasuresOn(env = process.env) {
  const value = env[VARIABLE];
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new SpeedSwitchError(
    `${VARIABLE}=${JSON.stringify(value)} is not a value it accepts: use one of ${VALUES.join(", ")} ` +
      `(on, the default, turns every speed measure on; off runs Pulumi's own code with none), or unset it`,
  );
}

/** For a command's start (build/run.js, jest.config.js): an unknown value ends the process with exit code 2
 * and the message alone, prefixed with `who`, no stack trace. */
function speedMeasuresOnOrExit(who) {
  try {
    return speedMeasuresOn();
  } catch (err) {
    if (!(err instanceof SpeedSwitchError)) throw err;
    console.error(`${who}: ${err.message}`);
    process.exit(2);
  }
}

module.exports = { VARIABLE, VALUES, SpeedSwitchError, speedMeasuresOn, speedMeasuresOnOrExit };
