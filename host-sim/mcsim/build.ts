// Builds a Moddable app for the simulator (platform lin, debug: its trace goes to the debugger) the way a
// developer does: `mcconfig -d -p lin key=value ...` in the app's folder (mcconfig.ts), then make in the
// build folder mcconfig generated. `-m` is not used: its makefile would kill every running mcsim by name and
// launch one.
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { withDirLock } from "../../certs/dir-lock.js";
import { configure, run, toolEnv, type AppBuild } from "./mcconfig.js";
import type { ModdableSdk } from "./sdk.js";

/** How long a build waits for the others of its app (each a minute or two) before it gives up. */
const BUILD_QUEUE_MS = 15 * 60_000;

/** Builds the app; resolves to its mc.so for mcsim. */
export async function buildForSimulator(sdk: ModdableSdk, app: AppBuild): Promise<string> {
  const tmp = buildFolder(sdk, app);
  await configure(sdk, app, "lin", tmp);
  await run("make", ["-j2", "-C", tmp, "build"], app.dir, toolEnv(sdk, app));
  return join(sdk.root, "build/bin/lin/mc/debug", app.name, "mc.so");
}

/** Builds the app and copies its mc.so to `copy`; resolves to `copy`. Builds of one app share its build
 *  folders, so each holds the folder's lock from mcconfig to the copy, whichever process it runs in (test
 *  files run in separate vitest workers). */
export async function buildCopyForSimulator(sdk: ModdableSdk, app: AppBuild, copy: string): Promise<string> {
  return withDirLock(
    buildFolder(sdk, app),
    async () => {
      await copyFile(await buildForSimulator(sdk, app), copy);
      return copy;
    },
    BUILD_QUEUE_MS,
  );
}

function buildFolder(sdk: ModdableSdk, app: AppBuild): string {
  return join(sdk.root, "build/tmp/lin/mc/debug", app.name);
}
