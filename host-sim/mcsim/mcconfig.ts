// What every build of a Moddable app here shares, whatever the platform: the tools' environment, running
// `mcconfig -d -p <platform> key=value ...` in the app's folder the way a developer does, and one type check
// of all the app's TypeScript modules.
//
// For time, `tsc` on PATH is host-sim/mcsim/tsc/tsc, which only transpiles: mcconfig's makefile runs
// `tsc -p` once per TypeScript module, and each run type-checks everything the module imports (about 2 s a
// module, 80 modules). All the modules are type-checked here in one tsc program instead, against the
// configuration mcconfig generated for the platform (its paths and the SDK's typings): the same check, once.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ModdableSdk } from "./sdk.js";

const PROJECT = resolve(import.meta.dirname, "../..");
const TRANSPILE_ONLY = join(import.meta.dirname, "tsc");
const TSC = join(PROJECT, "node_modules/.bin/tsc");

export interface AppBuild {
  /** Folder holding the app's manifest.json. */
  dir: string;
  /** The manifest's build.NAME, or its folder's name (mcconfig names the build folders after it). */
  name: string;
  /** Config overrides, as on the mcconfig command line. */
  config?: Record<string, string | number>;
  /** Manifest build variables from the environment (CERTS, DEVICE_ID). */
  env?: Record<string, string>;
}

/** A build step (mcconfig, tsc, make) that exited non-zero; `log` is everything it printed. */
export class BuildStepError extends Error {
  override readonly name = "BuildStepError";
  readonly code = "build-step-failed";
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly log: string,
  ) {
    super(`${command} failed (exit ${exitCode}):\n${log.split("\n").slice(-40).join("\n")}`);
  }
}

/** Runs a command; resolves to what it printed (stdout and stderr, interleaved). The output goes to a file,
 *  not a pipe: a Node process the tools start (the transpile-only tsc) makes the pipe it inherits
 *  non-blocking for every process that shares it, and a tool that then writes faster than the pipe is read
 *  loses what does not fit (xsl's warnings came back cut short). */
export async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "moddable-build-"));
  const file = join(dir, "output");
  const fd = openSync(file, "w");
  try {
    const code = await new Promise<number | null>((resolvePromise, reject) => {
      const child = spawn(command, args, { cwd, env, stdio: ["ignore", fd, fd] });
      child.on("error", reject);
      child.on("close", resolvePromise);
    });
    const log = await readFile(file, "utf8");
    if (code !== 0) throw new BuildStepError(`${command} ${args.join(" ")}`, code, log);
    return log;
  } finally {
    closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The environment of the SDK's tools: MODDABLE, the manifest's build variables, and on PATH first the
 *  transpile-only tsc, then the project's own (TypeScript >= 6), then the SDK's tools. */
export function toolEnv(sdk: ModdableSdk, app: AppBuild): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...app.env,
    MODDABLE: sdk.root,
    PATH: [TRANSPILE_ONLY, join(PROJECT, "node_modules/.bin"), sdk.bin, process.env.PATH].join(":"),
  };
}

/** Runs mcconfig for `platform` (e.g. "lin", "esp32/nodemcu") and type-checks the app's modules; resolves
 *  to what mcconfig printed. `tmp` is the build folder mcconfig writes ($MODDABLE/build/tmp/...). */
export async function configure(sdk: ModdableSdk, app: AppBuild, platform: string, tmp: string): Promise<string> {
  const env = toolEnv(sdk, app);
  const config = Object.entries(app.config ?? {}).map(([key, value]) => `${key}=${value}`);
  // make copies a resource only when its source is newer than the copy: certificates from another
  // directory (CERTS) with older files would not replace those of an earlier build.
  await rm(join(tmp, "resources"), { recursive: true, force: true });
  const log = await run("mcconfig", ["-d", "-p", platform, ...config], app.dir, env);
  await typeCheck(join(tmp, "modules"), app.dir, env, [PROJECT, sdk.root, resolve(app.dir)]);
  return log;
}

/** Every module mcconfig will compile (its per-module tsconfig files), type-checked in one program that
 *  extends mcconfig's generated tsconfig-base.json. (mcconfig leaves the files of modules an earlier build
 *  had: those whose source is gone are left out, and so are those of another checkout that built an app of
 *  the same name: only this project's, the app's own folder's and the SDK's files are checked.) */
async function typeCheck(modules: string, cwd: string, env: NodeJS.ProcessEnv, roots: string[]): Promise<void> {
  const files = new Set<string>();
  for (const entry of await readdir(modules, { recursive: true })) {
    if (!entry.endsWith("-tsconfig.json")) continue;
    const perModule = JSON.parse(await readFile(join(modules, entry), "utf8")) as { files: string[] };
    for (const file of perModule.files) {
      if (existsSync(file) && roots.some((root) => file.startsWith(root + "/"))) files.add(file);
    }
  }
  if (files.size === 0) return;
  const check = join(modules, "tsconfig-check.json");
  await writeFile(check, JSON.stringify({ extends: "./tsconfig-base.json", compilerOptions: { noEmit: true }, files: [...files] }, null, 2));
  await run(TSC, ["-p", check], cwd, env);
}
