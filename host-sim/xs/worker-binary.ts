// Where npm put the xsnap-worker binary that @agoric/xsnap's postinstall built from the XS sources.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const platformDirs: Partial<Record<NodeJS.Platform, string>> = { linux: "lin", darwin: "mac" };

/** Absolute path of xsnap-worker (release build), or throws saying how to get one. `XSNAP_WORKER` overrides. */
export function xsnapWorkerPath(): string {
  const override = process.env.XSNAP_WORKER;
  if (override) {
    if (!existsSync(override)) throw new Error(`XSNAP_WORKER=${override} does not exist`);
    return override;
  }
  const platform = platformDirs[process.platform];
  if (!platform) throw new Error(`xsnap-worker is not built for platform ${process.platform}`);
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve("@agoric/xsnap/package.json"));
  } catch {
    throw new Error("@agoric/xsnap is not installed: run `npm ci` (it builds the XS engine, needs cc and make)");
  }
  const binary = join(packageDir, "xsnap-native/xsnap/build/bin", platform, "release/xsnap-worker");
  if (!existsSync(binary)) {
    throw new Error(
      `xsnap-worker is missing at ${binary}: @agoric/xsnap's postinstall did not build it. ` +
        "Install cc and make, allow its install script (package.json allowScripts), then `npm rebuild @agoric/xsnap`.",
    );
  }
  return binary;
}
