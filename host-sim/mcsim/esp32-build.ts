// Builds a Moddable app for an ESP32 board as far as this machine can without ESP-IDF: `mcconfig -d -p
// esp32/<board>` (mcconfig.ts: the makefile, the partition table, the merged sdkconfig, one type check), then
// the makefile's host-side targets, mc.xs.c and mc.resources.c: every module transpiled and compiled (xsc),
// linked, resolved and preloaded for esp32 (xsl), the resources (mcrez). Only the C compile and the IDF link
// are left out. The makefile reads ESP-IDF's version from $IDF_PATH (git describe) and makes those targets
// depend on the IDF's sdkconfig.h: a git repository tagged with the version the makefile expects stands in
// for ESP-IDF, and an empty sdkconfig.h is marked old (make -o) so that nothing builds it.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBuildOutput, type BuildOutput } from "./build-output.js";
import { BuildStepError, configure, run, toolEnv, type AppBuild } from "./mcconfig.js";
import type { ModdableSdk } from "./sdk.js";

export interface Esp32Build extends BuildOutput {
  /** The build folder mcconfig wrote ($MODDABLE/build/tmp/esp32/<board>/debug/<name>). */
  tmp: string;
  /** Its ESP-IDF project folder: partitions.csv and sdkconfig.mc as mcconfig generated them. */
  idfProject: string;
  /** Everything mcconfig, tsc and make printed. */
  log: string;
  /** Every module of the build, by name: the source it is compiled from (a .ts for TypeScript modules). */
  modules: Map<string, string>;
  /** Modules xsl preloads (the makefile's PRELOADS), by name. */
  preloaded: string[];
  /** Aliases xsl gave the writable preloaded objects (mxAliasCount in mc.xs.c): the board allocates one
   *  pointer each at start. Undefined when xsl did not finish. */
  aliases?: number;
}

export const esp32Folders = (sdk: ModdableSdk, name: string, board = "nodemcu"): { tmp: string; bin: string } => ({
  tmp: join(sdk.root, "build/tmp/esp32", board, "debug", name),
  bin: join(sdk.root, "build/bin/esp32", board, "debug", name),
});

const makeVariable = (makefile: string, name: string): string | undefined =>
  new RegExp(`^${name} \\??= *(\\S+)`, "m").exec(makefile)?.[1];

/** Module name -> source, from the makefile's rules: "$(MODULES_DIR)/<name>.xsb: <file>.js" and, for a
 *  TypeScript module, "<file>.js : <source>.ts ...". */
function moduleSources(makefile: string): Map<string, string> {
  const transpiled = new Map([...makefile.matchAll(/^(\S+\.js) : (\S+\.ts) /gm)].map((m) => [m[1], m[2]]));
  return new Map([...makefile.matchAll(/^\$\(MODULES_DIR\)\/(\S+)\.xsb: (\S+)$/gm)].map((m) => [m[1], transpiled.get(m[2]) ?? m[2]]));
}

/** A git repository whose `git describe` gives `version`: all the makefile asks of $IDF_PATH for these targets. */
async function idfStandIn(version: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "esp-idf-stand-in-"));
  const git = (...args: string[]) => run("git", ["-c", "user.name=build", "-c", "user.email=build@localhost", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], dir, env);
  await git("init", "-q");
  await git("commit", "-q", "--allow-empty", "-m", "ESP-IDF stand-in");
  await git("tag", version);
  return dir;
}

/** Builds the app's host-side part for esp32/<board>. Failures come back as `errors` (the lines that say
 *  what failed), not as an exception, so that a caller sees every one. */
export async function buildForEsp32(sdk: ModdableSdk, app: AppBuild, board = "nodemcu"): Promise<Esp32Build> {
  const { tmp } = esp32Folders(sdk, app.name, board);
  const env = toolEnv(sdk, app);
  let log = "";
  let failed: BuildStepError | undefined;
  const step = async (work: () => Promise<string>): Promise<void> => {
    if (failed) return;
    try {
      log += await work();
    } catch (error) {
      if (!(error instanceof BuildStepError)) throw error;
      failed = error;
      log += error.log;
    }
  };

  await step(() => configure(sdk, app, `esp32/${board}`, tmp));
  const makefile = existsSync(join(tmp, "makefile")) ? await readFile(join(tmp, "makefile"), "utf8") : "";
  const idfProject = join(tmp, `xsProj-${makeVariable(makefile, "ESP32_SUBCLASS") ?? "esp32"}`);
  await step(async () => {
    const sdkconfigH = join(idfProject, "build/config/sdkconfig.h");
    await mkdir(join(idfProject, "build/config"), { recursive: true });
    await writeFile(sdkconfigH, "");
    // xsl reports what it preloads only when it runs: never take an mc.xs.c an earlier build left.
    await Promise.all(["mc.xs.c", "mc.resources.c"].map((file) => rm(join(tmp, file), { force: true })));
    const idf = await idfStandIn(makeVariable(makefile, "EXPECTED_ESP_IDF") ?? "v5.4.1", env);
    try {
      return await run("make", ["-C", tmp, `IDF_PATH=${idf}`, "-o", sdkconfigH, join(tmp, "mc.xs.c"), join(tmp, "mc.resources.c")], app.dir, env);
    } finally {
      await rm(idf, { recursive: true, force: true });
    }
  });

  const output = readBuildOutput(log);
  // A step that failed without a line the reader knows still fails the build, with its last lines.
  if (failed && output.errors.length === 0) output.errors.push(failed.message);
  const xs = failed ? undefined : await readFile(join(tmp, "mc.xs.c"), "utf8");
  const aliases = xs === undefined ? undefined : Number(/^#define mxAliasCount (\d+)/m.exec(xs)?.[1]);
  const preloaded = [...makefile.matchAll(/^\t-p (\S+)\.xsb\\?$/gm)].map((m) => m[1]);
  return { ...output, tmp, idfProject, log, modules: moduleSources(makefile), preloaded, aliases };
}

/** Removes the app's build folders (not the SDK's shared ones). */
export async function removeEsp32Build(sdk: ModdableSdk, name: string, board = "nodemcu"): Promise<void> {
  const { tmp, bin } = esp32Folders(sdk, name, board);
  await Promise.all([rm(tmp, { recursive: true, force: true }), rm(bin, { recursive: true, force: true })]);
}
