// The firmware must run on XS, and only its device side - firmware/platform/moddable/ (the bindings) and the
// device entry firmware/main.ts - may reach the Moddable runtime: everything else in firmware/ is pure ECMAScript
// reaching the world through the ports. Three guards, each shown here to refuse a planted violation:
// - the compiler settings: firmware/tsconfig.json (the pure firmware: ES library only, no Node or DOM types,
//   none of the Moddable runtime's globals or modules) and firmware/tsconfig.device.json (the device side, the
//   only project that sees firmware/platform/moddable/types/), both matching files by pattern;
// - ESLint (eslint.config.js) rejects host globals (by name or through globalThis), computed import(), Node
//   imports (side-effect and dynamic ones too), triple-slash references (which could pull Node's types into the
//   whole firmware project), and the Moddable globals outside the device side;
// - the folder rule: no firmware source outside the device side imports anything but relative firmware
//   modules, and the bindings folder holds only files that need the Moddable runtime.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { ESLint } from "eslint";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
/** What may reach the Moddable runtime: the platform/moddable/ folders (the app's, and the MQTT client's own in
 *  firmware/mqtt/) and the device entry. */
const DEVICE_FOLDER = /^firmware\/(?:.+\/)?platform\/moddable$/;
const DEVICE_ENTRY = join(root, "firmware", "main.ts");
const isDeviceFolder = (path: string) => DEVICE_FOLDER.test(relative(root, path));

/** The firmware's two projects, as `npm run typecheck` builds them. */
const PURE_PROJECT = "firmware/tsconfig.json";
const DEVICE_PROJECT = "firmware/tsconfig.device.json";

/**
 * Type-checks planted files (repository-relative path -> source) under the firmware's real project settings:
 * the projects' tsconfig files and the Moddable declarations are copied into a scratch tree with the
 * repository's layout, the plants are written where their paths say, and `project` is built there. Which
 * project a plant belongs to is decided by the projects' own include patterns, as it would be in firmware/.
 * Returns the compiler's errors by planted file.
 */
function typecheckPlanted(project: string, plants: Record<string, string>): Map<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), "purity-"));
  try {
    for (const file of ["tsconfig.base.json", PURE_PROJECT, DEVICE_PROJECT, "firmware/platform/moddable/types"]) {
      cpSync(join(root, file), join(dir, file), { recursive: true });
    }
    for (const [path, source] of Object.entries(plants)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    let out = "";
    try {
      execFileSync(process.execPath, [tsc, "-b", join(dir, project)], { cwd: dir, encoding: "utf8" });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout);
    }
    const errors = new Map<string, string[]>(Object.keys(plants).map((path) => [path, []]));
    for (const line of out.split("\n")) {
      const at = /^(\S+?)\(\d+,\d+\): (error TS\d+: .*)$/.exec(line);
      if (at && errors.has(at[1])) errors.get(at[1])!.push(at[2]);
      else if (line.trim() && !/^\s/.test(line)) errors.set(`(elsewhere) ${line}`, [line]);
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every firmware source the folder rule covers. */
function pureSources(dir = join(root, "firmware")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return isDeviceFolder(path) ? [] : pureSources(path);
    return entry.name.endsWith(".ts") && path !== DEVICE_ENTRY ? [path] : [];
  });
}

/** Source without its comments (comments say "from ..." and "import(...)" too). */
const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/(?!\/).*$/gm, "");

/** Specifiers a source imports or re-exports: `from "x"`, `import "x"` (side effects), `import("x")`, `require("x")`. */
export function specifiers(source: string): string[] {
  const found = withoutComments(source).matchAll(/\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\brequire\s*\(\s*["']([^"']+)["']/gm);
  return [...found].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

/** The folder rule for one source: what it imports that is not a relative firmware module. */
function foldersRuleOffences(file: string, source: string): string[] {
  const offences = specifiers(source)
    .filter((s) => !s.startsWith("./") && !s.startsWith("../"))
    .map((s) => `${relative(root, file)}: imports ${s}`);
  if (/\bimport\s*\(\s*(?!["'])/.test(withoutComments(source))) offences.push(`${relative(root, file)}: a computed import()`);
  if (/^\s*\/\/\/\s*<reference\b/m.test(source)) offences.push(`${relative(root, file)}: a triple-slash reference`);
  return offences;
}

const eslint = new ESLint({ cwd: root });
async function lintErrors(source: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const HOST_GLOBALS = ["Buffer", "process", "setTimeout", "setInterval", "setImmediate", "queueMicrotask", "console", "performance", "structuredClone", "TextEncoder", "TextDecoder"];
/** The Moddable runtime's globals (firmware/platform/moddable/types/globals.d.ts). */
const MODDABLE_GLOBALS = ["trace", "device"];
/** Places in the pure firmware, one in a folder that does not exist yet: the guards go by pattern. */
const PURE_PLACES = ["firmware/telemetry/planted.ts", "firmware/network/planted.ts", "firmware/platform/planted.ts"];
/** Places on the device side, one a binding that does not exist yet. */
const DEVICE_PLACES = ["firmware/platform/moddable/planted.ts", "firmware/main.ts"];
const usesModdableGlobal = (name: string) => (name === "trace" ? 'export function f(): void { trace("x\\n"); }\n' : "export const io = device.I2C;\n");

/** Ways to a host global through the global object instead of its name. */
const THROUGH_THE_GLOBAL_OBJECT = [
  ["globalThis.process", "export const p = globalThis.process;\n"],
  ['globalThis["Buffer"]', 'export const b = globalThis["Buffer"];\n'],
  ['Reflect.get(globalThis, "setTimeout")', 'export const t = Reflect.get(globalThis, "setTimeout");\n'],
  ['Function("return this")', 'export const g = Function("return this")();\n'],
  ['(0, eval)("this")', 'export const g = (0, eval)("this");\n'],
] as const;

const COMPUTED_IMPORTS = [
  ["a variable", "export const load = (name: string) => import(name);\n"],
  ["a template", "const name = 'fs';\nexport const m = import(`node:${name}`);\n"],
  ["a concatenation", 'export const m = import("node:" + "fs");\n'],
] as const;

describe("firmware purity: compiler settings", () => {
  const CLEAN = "export const bytes = new Uint8Array(4); export const n = Date.now();\n";
  const HOST_PLANTS = Object.fromEntries([
    ...HOST_GLOBALS.filter((g) => g !== "TextEncoder" && g !== "TextDecoder").map((g) => [`firmware/telemetry/host-${g}.ts`, `export const x = typeof ${g} === "undefined" ? 0 : ${g};\n`]),
    ["firmware/telemetry/host-node-import.ts", "import { readFileSync } from 'node:fs'; export const r = readFileSync;\n"],
  ]);
  const MODDABLE_PLANTS = Object.fromEntries(
    PURE_PLACES.flatMap((place) => MODDABLE_GLOBALS.map((name) => [place.replace(".ts", `-${name}.ts`), usesModdableGlobal(name)])),
  );
  const GLOBAL_OBJECT_PLANTS = { "firmware/telemetry/global-process.ts": THROUGH_THE_GLOBAL_OBJECT[0][1], "firmware/telemetry/global-buffer.ts": THROUGH_THE_GLOBAL_OBJECT[1][1] };
  const MODDABLE_MODULE_PLANT = { "firmware/network/timer-user.ts": 'import Timer from "timer";\nexport const set = Timer.set;\n' };
  const BINDING_IMPORT_PLANT = { "firmware/telemetry/binding-user.ts": 'import { io } from "../platform/moddable/planted.js";\nexport const bus = io;\n' };
  let pure: Map<string, string[]>;
  let device: Map<string, string[]>;

  beforeAll(() => {
    pure = typecheckPlanted(PURE_PROJECT, {
      "firmware/telemetry/clean.ts": CLEAN,
      ...HOST_PLANTS,
      ...MODDABLE_PLANTS,
      ...GLOBAL_OBJECT_PLANTS,
      ...MODDABLE_MODULE_PLANT,
      ...BINDING_IMPORT_PLANT,
      "firmware/platform/moddable/planted.ts": usesModdableGlobal("device"),
    });
    // The device side sees the Moddable globals and modules, and the pure firmware through its reference.
    device = typecheckPlanted(DEVICE_PROJECT, {
      "firmware/telemetry/clean.ts": CLEAN,
      "firmware/platform/moddable/planted.ts": `import { bytes } from "../../telemetry/clean.js";\nimport Timer from "timer";\nexport const b = bytes;\nexport const set = Timer.set;\n${usesModdableGlobal("trace")}${usesModdableGlobal("device")}`,
      "firmware/main.ts": 'import { b } from "./platform/moddable/planted.js";\nexport default function main(): void { trace(`${b.length}\\n`); }\n',
    });
  }, 120_000);

  it("accept plain ECMAScript", () => {
    expect(pure.get("firmware/telemetry/clean.ts")).toEqual([]);
    expect([...pure.keys()].filter((k) => k.startsWith("(elsewhere)"))).toEqual([]);
  });

  it.each(Object.keys(HOST_PLANTS))("reject %s (a host global or a node: import)", (file) => {
    expect(pure.get(file)!.join("\n")).toMatch(/error TS/);
  });

  it.each(Object.keys(MODDABLE_PLANTS))("reject a Moddable global in the pure firmware: %s", (file) => {
    expect(pure.get(file)!.join("\n")).toMatch(/error TS2304: Cannot find name '(trace|device)'/);
  });

  it.each(Object.keys(GLOBAL_OBJECT_PLANTS))("reject a host global through globalThis: %s", (file) => {
    expect(pure.get(file)!.join("\n")).toMatch(/error TS/);
  });

  it("reject a Moddable module, and importing a binding, in the pure firmware", () => {
    expect(pure.get("firmware/network/timer-user.ts")!.join("\n")).toMatch(/error TS2307: Cannot find module 'timer'/);
    expect(pure.get("firmware/telemetry/binding-user.ts")!.join("\n")).toMatch(/error TS6307: .*planted\.ts' is not listed within the file list of project/);
  });

  it("accept the Moddable globals and modules on the device side, which reaches the pure firmware", () => {
    expect(device.get("firmware/platform/moddable/planted.ts")).toEqual([]);
    expect(device.get("firmware/main.ts")).toEqual([]);
    expect([...device.keys()].filter((k) => k.startsWith("(elsewhere)"))).toEqual([]);
  });

  it("the real projects split firmware/ in two by pattern: the device side is platform/moddable/ and main.ts, with the declarations", () => {
    const files = (project: string) => {
      const parsed = ts.getParsedCommandLineOfConfigFile(join(root, project), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
      return parsed!.fileNames.map((f) => relative(root, f));
    };
    const pureFiles = files(PURE_PROJECT);
    const deviceFiles = files(DEVICE_PROJECT);
    expect(pureFiles.filter((f) => deviceFiles.includes(f))).toEqual([]);
    expect(deviceFiles.filter((f) => !isDeviceFolder(join(root, f.slice(0, f.indexOf("/moddable/") + 9))) && f !== "firmware/main.ts")).toEqual([]);
    expect(deviceFiles).toContain("firmware/mqtt/platform/moddable/socket.ts");
    expect(deviceFiles).toContain("firmware/platform/moddable/types/globals.d.ts");
    const everyFile = allFirmwareFiles().map((f) => relative(root, f));
    expect(everyFile.filter((f) => !pureFiles.includes(f) && !deviceFiles.includes(f))).toEqual([]);
  });
});

describe("firmware purity: ESLint", () => {
  it("accepts a pure module", async () => {
    expect(await lintErrors('import { encodeUtf8 } from "../common/utf8.js";\nexport const b = encodeUtf8("x");\n', "firmware/telemetry/planted.ts")).toEqual([]);
  });

  it.each(HOST_GLOBALS)("rejects the host global %s anywhere in firmware/", async (name) => {
    const errors = await lintErrors(`export const x = ${name};\n`, "firmware/telemetry/planted.ts");
    expect(errors.join("\n")).toMatch(/no-restricted-globals/);
    expect((await lintErrors(`export const x = ${name};\n`, "firmware/platform/moddable/planted.ts")).join("\n")).toMatch(/no-restricted-globals/);
  });

  it.each([
    ["a Node import", 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n'],
    ["a side-effect Node import", 'import "node:os";\nexport const x = 1;\n'],
    ["a bare Node module", 'import "fs";\nexport const x = 1;\n'],
  ])("rejects %s", async (_name, source) => {
    expect((await lintErrors(source, "firmware/telemetry/planted.ts")).join("\n")).toMatch(/no-restricted-imports/);
    expect((await lintErrors(source, "firmware/platform/moddable/planted.ts")).join("\n")).toMatch(/no-restricted-imports/);
  });

  it("rejects a triple-slash reference to Node's types (it would open the whole firmware project to them)", async () => {
    const source = '/// <reference types="node" />\nexport const b = 1;\n';
    expect((await lintErrors(source, "firmware/telemetry/planted.ts")).join("\n")).toMatch(/triple-slash-reference/);
    expect((await lintErrors(source, "firmware/platform/moddable/planted.ts")).join("\n")).toMatch(/triple-slash-reference/);
  });

  it.each(PURE_PLACES.flatMap((place) => MODDABLE_GLOBALS.map((name) => [name, place])))("rejects the Moddable global %s in %s", async (name, place) => {
    expect((await lintErrors(usesModdableGlobal(name), place)).join("\n")).toMatch(new RegExp(`no-restricted-globals: Unexpected use of .${name}.\\. ${name} is a Moddable runtime global`));
  });

  it.each(DEVICE_PLACES)("accepts the Moddable globals in %s", async (place) => {
    expect(await lintErrors(usesModdableGlobal("trace") + usesModdableGlobal("device"), place)).toEqual([]);
  });

  it.each(THROUGH_THE_GLOBAL_OBJECT)("rejects %s (a host global through the global object) anywhere in firmware/", async (_name, source) => {
    for (const place of [...PURE_PLACES, ...DEVICE_PLACES]) {
      expect((await lintErrors(source, place)).join("\n"), place).toMatch(/no-restricted-globals: Unexpected use of 'globalThis'|no-new-func|no-eval/);
    }
  });

  it.each(COMPUTED_IMPORTS)("rejects an import() of %s anywhere in firmware/", async (_name, source) => {
    for (const place of [...PURE_PLACES, ...DEVICE_PLACES]) {
      expect((await lintErrors(source, place)).join("\n"), place).toMatch(/no-restricted-syntax: import\(\) takes a string literal/);
    }
  });

  it("rejects a dynamic import() of a Node module anywhere in firmware/, and of any non-relative module in the pure firmware", async () => {
    for (const place of [...PURE_PLACES, ...DEVICE_PLACES]) {
      expect((await lintErrors('export const m = import("node:fs");\n', place)).join("\n"), place).toMatch(/no-restricted-syntax/);
      expect((await lintErrors('export const m = import("fs");\n', place)).join("\n"), place).toMatch(/no-restricted-syntax/);
      expect(await lintErrors('export const m = import("./planted-too.js");\n', place), place).toEqual([]);
    }
    for (const place of PURE_PLACES) {
      expect((await lintErrors('export const m = import("timer");\n', place)).join("\n"), place).toMatch(/no-restricted-syntax: the pure firmware imports only relative/);
    }
  });
});

/** Every file of the firmware project, declarations and platform/moddable/ included. */
function allFirmwareFiles(dir = join(root, "firmware")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return allFirmwareFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("firmware purity: only platform/moddable/ and main.ts reach past the firmware", () => {
  it("no file of the firmware project, declarations included (ESLint skips them), has a triple-slash reference", () => {
    const files = allFirmwareFiles();
    expect(files.some((f) => f.endsWith(".d.ts"))).toBe(true);
    const offenders = files.filter((f) => /^\s*\/\/\/\s*<reference\b/m.test(readFileSync(f, "utf8"))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it("every firmware source outside them imports only relative firmware modules", () => {
    const offences = pureSources().flatMap((file) => foldersRuleOffences(file, readFileSync(file, "utf8")));
    expect(offences).toEqual([]);
  });

  it("the rule covers every other folder and file name, and sees each kind of import", () => {
    const sources = pureSources().map((f) => relative(root, f));
    expect(sources).toContain("firmware/telemetry/app.ts");
    expect(sources).toContain("firmware/platform/ports.ts");
    expect(sources.filter((f) => f.includes("platform/moddable/") || f === "firmware/main.ts")).toEqual([]);
    const planted = join(root, "firmware", "telemetry", "domain.ts"); // a name ending in "main.ts" is not exempt
    for (const source of ['import "node:os";', 'import { x } from "timer";', 'export { y } from "mc/config";', 'const z = await import("net");', '/// <reference types="node" />', "const m = await import(name);", "const m = await import(`./${name}.js`);"]) {
      expect(foldersRuleOffences(planted, source), source).toHaveLength(1);
    }
    expect(foldersRuleOffences(planted, '// import(name) in a comment\nconst m = await import("./x.js");')).toEqual([]);
  });
});

describe("firmware purity: the bindings folder holds only what needs the Moddable runtime", () => {
  // A file belongs in firmware/platform/moddable/ exactly when it would be refused anywhere else: it imports a
  // Moddable module or uses one of the runtime's globals. Everything else is pure and lives beside it.
  const needsRuntime = async (file: string, source = readFileSync(file, "utf8")): Promise<string[]> => {
    const elsewhere = file.replace("/platform/moddable/", "/platform/");
    const lint = (await lintErrors(source, relative(root, elsewhere))).filter((e) => /is a Moddable runtime global/.test(e));
    return [...foldersRuleOffences(elsewhere, source), ...lint];
  };
  const bindings = () =>
    readdirSync(join(root, "firmware"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && /(^|\/)platform\/moddable\//.test(f))
      .map((f) => join(root, "firmware", f));

  it("every binding imports a Moddable module or uses trace / device", async () => {
    const files = bindings();
    expect(files.map((f) => relative(root, f))).toEqual(expect.arrayContaining(["firmware/platform/moddable/sensors.ts", "firmware/platform/moddable/sensors-simulated.ts", "firmware/mqtt/platform/moddable/socket.ts"]));
    const pure: string[] = [];
    for (const file of files) if ((await needsRuntime(file)).length === 0) pure.push(relative(root, file));
    expect(pure, "pure files in the bindings folder: move them beside it, to firmware/platform/").toEqual([]);
  });

  it("the check sees a pure file, a Moddable import and each global", async () => {
    const at = join(root, "firmware/platform/moddable/planted.ts");
    expect(await needsRuntime(at, 'import type { Clock } from "../ports.js";\nexport const tick = (c: Clock) => c.ticks();\n')).toEqual([]);
    expect(await needsRuntime(at, 'import Timer from "timer";\nexport const set = Timer.set;\n')).toHaveLength(1);
    expect(await needsRuntime(at, usesModdableGlobal("trace"))).toHaveLength(1);
    expect(await needsRuntime(at, usesModdableGlobal("device"))).toHaveLength(1);
  });
});
