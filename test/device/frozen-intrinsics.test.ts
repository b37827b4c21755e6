// On the Moddable runtime the built-in prototypes are frozen (they live in ROM). An error class that does
// `this.name = "..."` then throws "set name: not writable" while being constructed (seen in mcsim, see
// docs/device.md). This runs the device bindings' error classes in a context whose intrinsics are frozen
// the same way.
import { buildSync } from "esbuild";
import { runInNewContext } from "node:vm";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function inFrozenRealm(entry: string, script: string): unknown {
  const bundle = buildSync({
    stdin: { contents: entry, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "iife",
    globalName: "bundle",
    write: false,
    target: "es2022",
  }).outputFiles[0].text;
  const freeze = "for (const C of [Object, Function, Error, TypeError, RangeError, Array]) { Object.freeze(C); Object.freeze(C.prototype); }";
  return runInNewContext(`"use strict"; ${freeze}\n${bundle}\n${script}`);
}

/** Every `export class X extends ...Error` in firmware/, with the module that declares it. */
function firmwareErrorClasses(dir = join(root, "firmware")): { name: string; module: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return firmwareErrorClasses(path);
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) return [];
    return [...readFileSync(path, "utf8").matchAll(/^export class (\w+) extends \w*Error\b/gm)].map((m) => ({
      name: m[1],
      module: "./" + relative(root, path),
    }));
  });
}

describe("device error classes under frozen intrinsics (as in ROM on the device)", () => {
  it("the context really rejects assigning over Error.prototype.name", () => {
    expect(() => inFrozenRealm("export class E extends Error { constructor() { super('x'); this.name = 'E'; } }", "new bundle.E()")).toThrow(/read only|not writable/);
  });

  it("DnsError constructs, with its name and code", () => {
    const result = inFrozenRealm(
      'export { DnsError } from "./firmware/mqtt/platform/dns-error.ts";',
      'const e = new bundle.DnsError("broker.lan"); [e.name, e.code, e.host, e.message, e instanceof Error].join("|")',
    );
    expect(result).toBe("DnsError|dns-unresolved|broker.lan|DNS: cannot resolve broker.lan|true");
  });

  it("every firmware error class constructs under frozen intrinsics, with its own name", () => {
    const classes = firmwareErrorClasses();
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(["ProtocolError", "TlsError", "ClientError", "ConfigError", "SensorError"]));
    const entry = classes.map((c) => `export { ${c.name} } from ${JSON.stringify(c.module)};`).join("\n");
    const names = JSON.stringify(classes.map((c) => c.name));
    const result = inFrozenRealm(
      entry,
      `${names}.map((n) => { const e = new bundle[n]("a", "b", "c", "d"); return e instanceof Error && e.name === n ? n : n + ": " + e.name; })`,
    );
    expect(result).toEqual(classes.map((c) => c.name));
  });
});
