// Builds a Moddable app for the simulator (platform lin, debug: its trace goes to the debugger) the way a
// developer does: `mcconfig -d -p lin key=value ...` in the app's folder (mcconfig.ts), then make in the
// build folder mcconfig generated. `-m` is not used: its makefile would kill every running mcsim by name and
// launch one.
import { join } from "node:path";
import { configure, run, toolEnv, type AppBuild } from "./mcconfig.js";
import type { ModdableSdk } from "./sdk.js";

/** Builds the app; resolves to its mc.so for mcsim. */
export async function buildForSimulator(sdk: ModdableSdk, app: AppBuild): Promise<string> {
  const tmp = join(sdk.root, "build/tmp/lin/mc/debug", app.name);
  await configure(sdk, app, "lin", tmp);
  await run("make", ["-j2", "-C", tmp, "build"], app.dir, toolEnv(sdk, app));
  return join(sdk.root, "build/bin/lin/mc/debug", app.name, "mc.so");
}
