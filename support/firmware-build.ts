// The firmware (manifest.json) built for mcsim with `config` compiled in, its mc.so copied out: the build
// the offline and fleet scenarios run (support/offline-scenarios.ts, support/fleet-scenarios.ts). Its name is
// the checkout's folder, so the two test files' builds take turns (host-sim/mcsim/build.ts).
import { basename, resolve } from "node:path";
import { buildCopyForSimulator } from "../host-sim/mcsim/build.js";
import type { ModdableSdk } from "../host-sim/mcsim/sdk.js";

const ROOT = resolve(import.meta.dirname, "..");

/** Builds the firmware; resolves to `copy`, where its mc.so now is. */
export function buildFirmwareTo(sdk: ModdableSdk, config: Record<string, string | number>, copy: string): Promise<string> {
  return buildCopyForSimulator(sdk, { dir: ROOT, name: basename(ROOT), config }, copy);
}
