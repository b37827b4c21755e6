// When the suites that need the Moddable SDK run (test/support/sdk.ts): with a built SDK or its setup script,
// and always on CI; a newcomer without either gets them skipped instead of failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkLookup } from "../../host-sim/mcsim/sdk.js";
import { sdkSuitesRun } from "../support/sdk.js";

describe("the Moddable SDK look-up", () => {
  let dir: string;
  let sdk: string;
  let setup: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sdk-lookup-"));
    sdk = join(dir, "moddable");
    mkdirSync(join(sdk, "build/bin/lin/release"), { recursive: true });
    for (const tool of ["mcconfig", "mcsim"]) writeFileSync(join(sdk, "build/bin/lin/release", tool), "");
    setup = join(dir, "setup.sh");
    writeFileSync(setup, "");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes $MODDABLE when its Linux tools are built, else the setup script, else nothing", () => {
    expect(sdkLookup({ MODDABLE: sdk, MODDABLE_SETUP: "" }).built?.root).toBe(sdk);
    expect(sdkLookup({ MODDABLE: dir, MODDABLE_SETUP: setup })).toEqual({ setup });
    expect(sdkLookup({ MODDABLE: dir, MODDABLE_SETUP: join(dir, "absent.sh") })).toEqual({});
    expect(sdkLookup({ MODDABLE_SETUP: "" })).toEqual({}); // empty: no setup script, not even the default
  });

  it("runs the suites that need it when it is there, or on CI (where they then fail), and skips them otherwise", () => {
    expect(sdkSuitesRun({ MODDABLE: sdk, MODDABLE_SETUP: "" })).toBe(true);
    expect(sdkSuitesRun({ MODDABLE_SETUP: setup })).toBe(true);
    expect(sdkSuitesRun({ MODDABLE_SETUP: "", CI: "true" })).toBe(true);
    expect(sdkSuitesRun({ MODDABLE_SETUP: "" })).toBe(false);
    expect(sdkSuitesRun({ MODDABLE: dir, MODDABLE_SETUP: join(dir, "absent.sh"), CI: "false" })).toBe(false);
  });
});
