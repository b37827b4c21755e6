// Builds a Moddable app for the simulator (platform lin, debug: its trace goes to the debugger) the way a
// developer does: `mcconfig -d -p lin key=value ...` in the app's folder, then make in the build folder
// mcconfig generated. `-m` is not used: its makefile would kill every running mcsim by name and launch one.
//
// One difference, for time: mcconfig's makefile runs `tsc -p` once per TypeScript module, and each run
// type-checks everything the module imports (about 2 s a module, 80 modules). Here `tsc` on PATH is
// host-sim/mcsim/tsc/tsc, which only transpiles, and all the modules are type-checked in one tsc program
// against the configuration mcconfig generated (its paths and the SDK's typings): the same check, once.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ModdableSdk } from "./sdk.js";

const PROJECT = resolve(import.meta.dirname, "../..");
const TRANSPILE_ONLY = join(import.meta.dirname, "tsc");
const TSC = join(PROJECT, "node_modules/.bin/tsc");

export interface AppBuild {
  /** Folder holding the app's manifest.json. */
  dir: string;
  /** The manifest's build.NAME (mcconfig's build folder and mc.so folder are named after it). */
  name: string;
  /** Config overrides, as on the mcconfig command line. */
  config?: Record<string, string | number>;
  /** Manifest build variables from the environment (CERTS, DEVICE_ID). */
  env?: Record<string, string>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise(log);
      else reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}):\n${log.split("\n").slice(-40).join("\n")}`));
    });
  });
}

/** Builds the app; resolves to its mc.so for mcsim. TypeScript modules need tsc >= 6 on PATH: the
 *  project's own (node_modules/.bin) comes first. */
export async function buildForSimulator(sdk: ModdableSdk, app: AppBuild): Promise<string> {
  const env = {
    ...process.env,
    ...app.env,
    MODDABLE: sdk.root,
    PATH: [TRANSPILE_ONLY, join(PROJECT, "node_modules/.bin"), sdk.bin, process.env.PATH].join(":"),
  };
  const config = Object.entries(app.config ?? {}).map(([key, value]) => `${key}=${value}`);
  const tmp = join(sdk.root, "build/tmp/lin/mc/debug", app.name);
  // make copies a resource only when its source is newer than the copy: certificates from another
  // directory (CERTS) with older files would not replace those of an earlier build.
  await rm(join(tmp, "resources"), { recursive: true, force: true });
  await run("mcconfig", ["-d", "-p", "lin", ...config], app.dir, env);
  await typeCheck(join(tmp, "modules"), app.dir, env);
  await run("make", ["-j2", "-C", tmp, "build"], app.dir, env);
  return join(sdk.root, "build/bin/lin/mc/debug", app.name, "mc.so");
}

/** Every module mcconfig will compile (its per-module tsconfig files), type-checked in one program that
 *  extends mcconfig's generated tsconfig-base.json. (mcconfig leaves the files of modules an earlier build
 *  had: those whose source is gone are left out.) */
async function typeCheck(modules: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const files = new Set<string>();
  for (const entry of await readdir(modules, { recursive: true })) {
    if (!entry.endsWith("-tsconfig.json")) continue;
    const perModule = JSON.parse(await readFile(join(modules, entry), "utf8")) as { files: string[] };
    for (const file of perModule.files) if (existsSync(file)) files.add(file);
  }
  if (files.size === 0) return;
  const check = join(modules, "tsconfig-check.json");
  await writeFile(check, JSON.stringify({ extends: "./tsconfig-base.json", compilerOptions: { noEmit: true }, files: [...files] }, null, 2));
  await run(TSC, ["-p", check], cwd, env);
}
