// Suites that need the Moddable SDK's tools (mcconfig, mcsim, the esp32 makefile): declare them with
// describeWithSdk instead of describe, and get the SDK in the suite's beforeAll with moddableSdk()
// (host-sim/mcsim/sdk.ts), which builds it through the setup script when needed.
//
//   describeWithSdk("the firmware in mcsim", () => {
//     let sdk: ModdableSdk;
//     beforeAll(() => { sdk = moddableSdk(); }, BUILD_MS);
//     it(...);
//   });
//
// - SDK found ($MODDABLE names a built SDK, or the setup script exists: see sdkLookup): the suite runs.
// - No SDK, with CI=true: the suite runs and fails in moddableSdk(), saying what is missing; CI must test the device.
// - No SDK otherwise (a newcomer's `npm test`): the suite is skipped, and the run ends with one line naming every
//   suite skipped this way and how to get the SDK (test/support/sdk-skips.ts collects them).
// To see the skip on a machine that has the SDK: `MODDABLE= MODDABLE_SETUP= npm test`.
import { appendFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, inject } from "vitest";
import { sdkLookup } from "../../host-sim/mcsim/sdk.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The file each skipped suite appends its line to (test/support/sdk-skips.ts). */
    sdkSkipLog: string;
  }
}

const root = resolve(import.meta.dirname, "../..");

/** True when the suites that need the SDK must run: the SDK (or its setup script) is here, or this is CI. */
export function sdkSuitesRun(env: NodeJS.ProcessEnv = process.env): boolean {
  const { built, setup } = sdkLookup(env);
  return Boolean(built || setup) || env.CI === "true";
}

/** describe() for a suite that needs the Moddable SDK (see above). */
export function describeWithSdk(name: string, factory: () => void): void {
  if (sdkSuitesRun()) {
    describe(name, factory);
    return;
  }
  const file = expect.getState().testPath;
  appendFileSync(inject("sdkSkipLog"), `${file ? relative(root, file) : "?"} > ${name}\n`);
  describe.skip(name, factory);
}
