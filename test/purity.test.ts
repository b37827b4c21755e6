// The firmware must run on XS, and only firmware/platform/moddable/ (and the device entry firmware/main.ts)
// may reach the Moddable SDK: everything else in firmware/ is pure ECMAScript reaching the world through the
// ports. Three guards, each shown here to refuse a planted violation:
// - the compiler settings (firmware/tsconfig.json: ES library only, no Node or DOM types) reject host globals;
// - ESLint (eslint.config.js) rejects host globals, Node imports (side-effect ones too) and triple-slash
//   references, which could pull Node's types into the whole firmware project;
// - the folder rule: no firmware source outside platform/moddable/ and main.ts imports anything but
//   relative firmware modules.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
/** What may import Moddable modules: one folder and the device entry. */
const DEVICE_FOLDER = join(root, "firmware", "platform", "moddable");
const DEVICE_ENTRY = join(root, "firmware", "main.ts");

function compileUnderFirmwareSettings(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "purity-"));
  try {
    writeFileSync(join(dir, "probe.ts"), source);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(root, "firmware", "tsconfig.json"),
        compilerOptions: { noEmit: true, composite: false, emitDeclarationOnly: false, rootDir: dir, outDir: undefined },
        include: [join(dir, "probe.ts")],
      }),
    );
    try {
      execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
      return "";
    } catch (error) {
      return String((error as { stdout?: string }).stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every firmware source the folder rule covers. */
function pureSources(dir = join(root, "firmware")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === DEVICE_FOLDER ? [] : pureSources(path);
    return entry.name.endsWith(".ts") && path !== DEVICE_ENTRY ? [path] : [];
  });
}

/** Specifiers a source imports or re-exports: `from "x"`, `import "x"` (side effects), `import("x")`, `require("x")`. */
export function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/(?!\/).*$/gm, ""); // comments say "from ..." too
  const found = code.matchAll(/\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\brequire\s*\(\s*["']([^"']+)["']/gm);
  return [...found].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

/** The folder rule for one source: what it imports that is not a relative firmware module. */
function foldersRuleOffences(file: string, source: string): string[] {
  const offences = specifiers(source)
    .filter((s) => !s.startsWith("./") && !s.startsWith("../"))
    .map((s) => `${relative(root, file)}: imports ${s}`);
  if (/^\s*\/\/\/\s*<reference\b/m.test(source)) offences.push(`${relative(root, file)}: a triple-slash reference`);
  return offences;
}

const eslint = new ESLint({ cwd: root });
async function lintErrors(source: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const HOST_GLOBALS = ["Buffer", "process", "setTimeout", "setInterval", "setImmediate", "queueMicrotask", "console", "performance", "structuredClone", "TextEncoder", "TextDecoder"];

describe("firmware purity: compiler settings", () => {
  it("accept plain ECMAScript", () => {
    expect(compileUnderFirmwareSettings("export const bytes = new Uint8Array(4); export const n = Date.now();")).toBe("");
  });

  it.each([...HOST_GLOBALS.filter((g) => g !== "TextEncoder" && g !== "TextDecoder").map((g) => [g, `export const x = typeof ${g} === "undefined" ? 0 : ${g};`]), ["a node: import", "import { readFileSync } from 'node:fs'; export const r = readFileSync;"]])(
    "reject %s",
    (_name, source) => {
      expect(compileUnderFirmwareSettings(source)).toMatch(/error TS/);
    },
  );
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
    expect(sources.filter((f) => f.startsWith("firmware/platform/moddable/") || f === "firmware/main.ts")).toEqual([]);
    const planted = join(root, "firmware", "telemetry", "domain.ts"); // a name ending in "main.ts" is not exempt
    for (const source of ['import "node:os";', 'import { x } from "timer";', 'export { y } from "mc/config";', 'const z = await import("net");', '/// <reference types="node" />']) {
      expect(foldersRuleOffences(planted, source), source).toHaveLength(1);
    }
  });
});
