// Where the Moddable SDK's Linux tools are: $MODDABLE when it holds a built SDK (mcconfig, mcsim), else the
// SDK that a setup script builds and caches (MODDABLE_SETUP, default ../shared/moddable/setup.sh beside the
// project: it installs what the build needs, builds once, and prints the SDK's path as its last line).
// MODDABLE_SETUP set but empty means no setup script. The usual way to install the SDK: `npm install -g xs-dev
// && xs-dev setup`, which sets MODDABLE.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export interface ModdableSdk {
  /** $MODDABLE. */
  root: string;
  /** build/bin/lin/release: mcconfig, mcrez, xsc, xsl, mcsim. */
  bin: string;
}

const PROJECT = resolve(import.meta.dirname, "../..");
export const DEFAULT_SETUP = resolve(PROJECT, "../shared/moddable/setup.sh");
export const HOW_TO_GET_THE_SDK = "npm install -g xs-dev && xs-dev setup (it sets MODDABLE)";

function at(root: string): ModdableSdk | undefined {
  const bin = join(root, "build/bin/lin/release");
  return existsSync(join(bin, "mcconfig")) && existsSync(join(bin, "mcsim")) ? { root, bin } : undefined;
}

/** What the environment offers, without building anything: a built SDK, or the setup script that builds one. */
export function sdkLookup(env: NodeJS.ProcessEnv = process.env): { built?: ModdableSdk; setup?: string } {
  const built = env.MODDABLE ? at(env.MODDABLE) : undefined;
  if (built) return { built };
  const setup = env.MODDABLE_SETUP ?? DEFAULT_SETUP;
  return setup && existsSync(setup) ? { setup } : {};
}

let found: ModdableSdk | undefined;

/** The SDK, building it through the setup script when $MODDABLE does not name a built one. Throws with
 *  what to do when there is neither. */
export function moddableSdk(): ModdableSdk {
  if (found) return found;
  const { built, setup } = sdkLookup();
  if (built) return (found = built);
  if (!setup) {
    const script = process.env.MODDABLE_SETUP ?? DEFAULT_SETUP;
    throw new Error(
      `Moddable SDK not found: set MODDABLE to an SDK whose Linux tools are built (mcconfig, mcsim), or MODDABLE_SETUP to a script that builds one (${script ? `${script} does not exist` : "MODDABLE_SETUP is empty"}); to install it: ${HOW_TO_GET_THE_SDK}`,
    );
  }
  const out = execFileSync("bash", [setup], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
  const root = out.trim().split("\n").pop() ?? "";
  const sdk = at(root);
  if (!sdk) throw new Error(`${setup} printed ${JSON.stringify(root)}, which is not a built Moddable SDK`);
  return (found = sdk);
}
