// On the Moddable runtime the built-in prototypes are frozen (they live in ROM). An error class that does
// `this.name = "..."` then throws "set name: not writable" while being constructed (seen in mcsim, see
// docs/device.md). This runs the device bindings' error classes in a context whose intrinsics are frozen
// the same way.
import { buildSync } from "esbuild";
import { runInNewContext } from "node:vm";
import { resolve } from "node:path";
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

describe("device error classes under frozen intrinsics (as in ROM on the device)", () => {
  it("the context really rejects assigning over Error.prototype.name", () => {
    expect(() => inFrozenRealm("export class E extends Error { constructor() { super('x'); this.name = 'E'; } }", "new bundle.E()")).toThrow(/read only|not writable/);
  });

  it("DnsError constructs, with its name and code", () => {
    const result = inFrozenRealm(
      'export { DnsError } from "./firmware/platform/moddable/dns-error.ts";',
      'const e = new bundle.DnsError("broker.lan"); [e.name, e.code, e.host, e.message, e instanceof Error].join("|")',
    );
    expect(result).toBe("DnsError|dns-unresolved|broker.lan|DNS: cannot resolve broker.lan|true");
  });
});
