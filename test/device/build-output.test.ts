// The reader of the SDK build tools' output (host-sim/mcsim/build-output.ts) on lines the tools printed on
// this machine: each failing build's lines are errors, a clean build's lines are not, and xsl's writable
// preloaded objects are parsed by module.
import { describe, expect, it } from "vitest";
import { isErrorLine, parseUnfrozen, readBuildOutput, unfrozenByModule } from "../../host-sim/mcsim/build-output.js";

// Printed by builds that failed (mcconfig, the type check, the transpile-only tsc, xsc, xsl, make).
const FAILING = [
  "# warning: no modules match: /tmp/e32exp/ts/nothere!",
  "### Error: '$(CERTS)/ca.der': directory not found!",
  "/tmp/esp32-planted-x/planted.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.",
  '../../../../tmp/e32exp/ts/bus.ts:1:19: ERROR: Unexpected ";"',
  "# typescript compile failure",
  "/tmp/e32exp/p/re.js:1: error: missing expression!",
  "### 1 error(s)",
  'ReferenceError: module "embedded:network/interface/wifi" not found',
  '### ReferenceError: module "embedded:network/interface/wifi" not found!',
  "TypeError: link: unavailable function",
  " at platform/planted ()",
  "### TypeError: link: unavailable function!",
  "### error: re: g: generator",
  "### 1 error(s)!",
  "make: *** [makefile:925: /root/.cache/moddable/build/tmp/esp32/nodemcu/debug/e32exp-bad/mc.xs.c] Error 22",
];

// Printed by the clean esp32 build of manifest.json.
const CLEAN = [
  "make: Entering directory '/root/.cache/moddable/build/tmp/esp32/nodemcu/debug/wt-esp32'",
  "# xsc ssl/session.xsb",
  "# tsc main.ts",
  "# xsid modTimer.c.xsi",
  "/root/.cache/moddable/modules/io/socket/lwip/listener.js:26: warning: cannot optimize native!",
  "# mcrez resources",
  "# xsl modules",
  "### 304 instances, 609 keys, 67 colors, 0 holes",
  "Total resource size: 1763 bytes",
  "mcconfig: file storage partition of size 0x10000 created from factory app partition",
  "### warning: main: default() start() createApp() TelemetryApp() AlarmMonitor() NEWS2_THRESHOLDS: not frozen",
  "### warning: platform/moddable/socket: ModdableSocket() 0() 0() platform: no const",
];

describe("build output", () => {
  it.each(FAILING)("a failing build's line is an error: %s", (line) => {
    expect(isErrorLine(line)).toBe(true);
  });

  it.each(CLEAN)("a clean build's line is not: %s", (line) => {
    expect(isErrorLine(line)).toBe(false);
  });

  it("reads xsl's writable preloaded objects: module, path, kind", () => {
    expect(parseUnfrozen(CLEAN[10])).toEqual({
      module: "main",
      path: "default() start() createApp() TelemetryApp() AlarmMonitor() NEWS2_THRESHOLDS",
      kind: "not frozen",
    });
    expect(parseUnfrozen(CLEAN[11])).toEqual({ module: "platform/moddable/socket", path: "ModdableSocket() 0() 0() platform", kind: "no const" });
    expect(parseUnfrozen(FAILING[12])).toBeUndefined(); // an error (a preloaded generator), not a warning
  });

  it("sorts a whole log: errors in order, writable objects counted by module, most first", () => {
    const output = readBuildOutput([...CLEAN, "### warning: mqtt/codec/decode: x: not frozen", "### warning: mqtt/codec/decode: y: not frozen", ...FAILING.slice(9, 12)].join("\n"));
    expect(output.errors).toEqual(["TypeError: link: unavailable function", " at platform/planted ()", "### TypeError: link: unavailable function!"]);
    expect(output.unfrozen).toHaveLength(4);
    expect(unfrozenByModule(output.unfrozen)).toBe("mqtt/codec/decode 2, main 1, platform/moddable/socket 1");
    expect(readBuildOutput(CLEAN.join("\n")).errors).toEqual([]);
  });
});
