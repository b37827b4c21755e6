// The firmware must run on XS: prove that its compiler settings reject Node APIs and host timers, and
// that no firmware source imports a Node or npm module.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

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

function firmwareSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "moddable" ? [] : firmwareSources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("firmware purity", () => {
  it("the firmware compiler settings accept plain ECMAScript", () => {
    expect(compileUnderFirmwareSettings("export const bytes = new Uint8Array(4); export const n = Date.now();")).toBe("");
  });

  it.each([
    ["Buffer", "export const b = Buffer.from('x');"],
    ["process", "export const p = process.env;"],
    ["setTimeout", "setTimeout(() => {}, 1);"],
    ["a node: import", "import { readFileSync } from 'node:fs'; export const r = readFileSync;"],
  ])("the firmware compiler settings reject %s", (_name, source) => {
    expect(compileUnderFirmwareSettings(source)).toMatch(/error TS/);
  });

  it("no firmware module outside platform/moddable imports anything but relative firmware modules", () => {
    const offenders = firmwareSources(join(root, "firmware"))
      .filter((file) => !file.endsWith("main.ts"))
      .flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g)]
          .map((m) => m[1] ?? m[2])
          .filter((specifier) => !specifier.startsWith("./") && !specifier.startsWith("../"))
          .map((specifier) => `${file}: ${specifier}`),
      );
    expect(offenders).toEqual([]);
  });
});
