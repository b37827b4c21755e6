// vitest global setup: the suites describeWithSdk (test/support/sdk.ts) skipped for want of the Moddable SDK
// are written to a scratch file by the test workers; when the run ends, one line names them and says how to get
// the SDK.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { HOW_TO_GET_THE_SDK } from "../../host-sim/mcsim/sdk.js";

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "sdk-skips-"));
  const log = join(dir, "skipped");
  project.provide("sdkSkipLog", log);
  return () => {
    let skipped: string[] = [];
    try {
      skipped = [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))];
    } catch {
      // nothing skipped: no file
    }
    rmSync(dir, { recursive: true, force: true });
    if (skipped.length > 0) {
      console.warn(`Skipped without the Moddable SDK (no MODDABLE, no setup script): ${skipped.join("; ")}. To run them: ${HOW_TO_GET_THE_SDK}, or set MODDABLE_SETUP.`);
    }
  };
}
