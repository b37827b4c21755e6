// manifest.json against the sources: every module the device entry reaches (following its relative
// imports the way XS resolves them, against the importing module's name) is mapped to an existing file on
// both platforms, on lin the sensors module is the simulated one, and the device's identity is not in the
// build (no certificate resources, no device id: a credentials partition, written by provisioning). A device
// build that misses a module fails only on the device; this catches it on the host.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { identityPartition } from "../../certs/provisioning.js";
import { IDENTITY_PARTITION } from "../../firmware/identity/open-identity.js";
import { CONFIG_KEYS, deviceSettings } from "../../firmware/platform/device-settings.js";
import { parsePartitions } from "../../host-sim/mcsim/partitions.js";
import { applyConfigUpdate, DEFAULT_CONFIG } from "../../firmware/telemetry/config.js";

const root = resolve(import.meta.dirname, "../..");

interface PlatformSection {
  modules?: Record<string, string | string[]>;
  include?: string | string[];
  preload?: string | string[];
  creation?: unknown;
}

interface Manifest extends PlatformSection {
  build?: Record<string, string>;
  config: Record<string, unknown>;
  resources?: Record<string, string>;
  platforms: Record<string, PlatformSection>;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const readManifest = (path: string): Manifest => JSON.parse(readFileSync(path, "utf8")) as Manifest;
const manifest = readManifest(join(root, "manifest.json"));
const PLATFORMS = ["esp32", "lin"] as const;

/** What mcconfig merges for one platform from a manifest and the project manifests it includes (the SDK's
 *  own, under $(MODDABLE), are left out): module name -> source files (wildcards expanded), preloads, and
 *  every include seen. */
function merged(path: string, platform: string) {
  const modules = new Map<string, string[]>();
  const preload = new Set<string>();
  const includes: string[] = [];
  const visit = (file: string) => {
    const m = readManifest(file);
    const dir = dirname(file);
    for (const section of [m, m.platforms?.[platform] ?? {}]) {
      for (const include of list(section.include)) {
        includes.push(include);
        if (!include.startsWith("$(")) visit(join(dir, include));
      }
      for (const name of list(section.preload)) preload.add(name);
      for (const [key, value] of Object.entries(section.modules ?? {})) {
        if (key === "~") continue; // sources left out of the build (an SDK module this app replaces)
        for (const source of list(value)) {
          const add = (name: string, at: string) => modules.set(name, [...(modules.get(name) ?? []), at]);
          const at = join(dir, source);
          if (source.endsWith("/*")) {
            for (const f of readdirSync(dirname(at))) {
              if (!f.endsWith(".ts") || f.endsWith(".d.ts")) continue;
              const base = f.slice(0, -3);
              add(key === "*" ? base : key.replace("*", base), join(dirname(at), f));
            }
          } else {
            // A TypeScript module, or a native one: host functions declared in JavaScript beside their C.
            add(key === "*" ? posix.basename(source) : key, existsSync(`${at}.js`) && existsSync(`${at}.c`) ? `${at}.js` : `${at}.ts`);
          }
        }
      }
    }
  };
  visit(path);
  return { modules, preload, includes };
}

/** Relative imports a module loads at run time (`import type` is erased by tsc). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^\s*import\s+(?!type\s)[^;]*?from\s+["'](\.{1,2}\/[^"']+|mqtt\/[^"']+|platform\/[^"']+)["']/gm)].map((m) => m[1]);
}

/** The modules reachable from "main" and the setup modules (the runtime calls every "setup/*" module before
 *  main), resolved by name as XS does (relative to the importer's name). */
function reachable(platform: string, path = join(root, "manifest.json")): { names: Map<string, string>; problems: string[] } {
  const map = merged(path, platform).modules;
  const names = new Map<string, string>();
  const problems: string[] = [];
  const visit = (name: string) => {
    if (names.has(name)) return;
    const files = [...new Set(map.get(name) ?? [])];
    if (files.length !== 1) {
      problems.push(`${platform}: module "${name}" maps to ${files.length} files ${files.map((f) => f.slice(root.length + 1)).join(", ")}`);
      return;
    }
    if (!existsSync(files[0])) {
      problems.push(`${platform}: module "${name}" -> missing ${files[0]}`);
      return;
    }
    names.set(name, files[0]);
    for (const specifier of runtimeImports(files[0])) {
      const target = specifier.startsWith(".") ? posix.normalize(posix.join(posix.dirname(name), specifier)) : specifier;
      visit(target.replace(/\.js$/, ""));
    }
  };
  visit("main");
  for (const name of map.keys()) if (name.startsWith("setup/")) visit(name);
  return { names, problems };
}

const APPS = [join(root, "manifest.json"), join(root, "examples/mqtt-client/manifest.json")];

describe("manifest.json modules", () => {
  it.each(PLATFORMS)("%s: every module main reaches maps to exactly one existing source", (platform) => {
    const { names, problems } = reachable(platform);
    expect(problems).toEqual([]);
    expect(names.get("main")).toBe(join(root, "firmware/main.ts"));
    for (const needed of ["telemetry/app", "mqtt/client/client", "mqtt/platform/moddable/socket", "sensors/sensor-chain", "sensors/heart-rate"]) {
      expect(names.has(needed), needed).toBe(true);
    }
  });

  it("the sensors module is the I2C one on esp32 and the simulated one on lin", () => {
    expect(reachable("esp32").names.get("platform/moddable/sensors")).toBe(join(root, "firmware/platform/moddable/sensors.ts"));
    const lin = reachable("lin").names;
    expect(lin.get("platform/moddable/sensors")).toBe(join(root, "firmware/platform/moddable/sensors-simulated.ts"));
    expect(lin.get("simulated/ppg")).toBe(join(root, "firmware/simulated/ppg.ts"));
    expect(reachable("esp32").names.has("simulated/ppg")).toBe(false);
  });

  it("every device-side source file is reachable on some platform, by the firmware or the client example (nothing listed for nothing)", () => {
    const used = new Set(APPS.flatMap((app) => PLATFORMS.flatMap((platform) => [...reachable(platform, app).names.values()])));
    const device = ["firmware/platform/moddable", "firmware/mqtt/platform/moddable"].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(root, dir, f)),
    );
    expect(device.filter((f) => !used.has(f))).toEqual([]);
  });

  // A module that is not preloaded is built in RAM when it loads: its functions, classes and constants
  // would cost the heap the board does not have (docs/device.md).
  it.each(APPS.flatMap((app) => PLATFORMS.map((platform) => [app.slice(root.length + 1), platform] as const)))(
    "%s (%s): every module its main reaches is preloaded, and every preload names a module",
    (app, platform) => {
      const path = join(root, app);
      const { names, problems } = reachable(platform, path);
      expect(problems).toEqual([]);
      const { modules, preload } = merged(path, platform);
      expect([...names.keys()].filter((name) => !preload.has(name))).toEqual([]);
      const sdk = [...preload].filter((name) => !modules.has(name));
      // Names left over are the SDK's own modules, preloaded by the SDK's manifests.
      expect(sdk.filter((name) => name.includes("/") && !name.startsWith("embedded:") && !name.startsWith("setup/network"))).toEqual([]);
      expect(preload.has("setup/heap-meter")).toBe(true);
    },
  );

  it.each(APPS.map((app) => app.slice(root.length + 1)))(
    "%s: the simulator gets the board's memory (the same creation as esp32: no growth)",
    (app) => {
      const m = readManifest(join(root, app));
      const esp32 = m.platforms.esp32.creation as { chunk: { incremental: number }; heap: { initial: number; incremental: number } };
      expect(m.platforms.lin.creation).toEqual(esp32);
      expect(esp32).toMatchObject({ chunk: { initial: 78848, incremental: 0 }, heap: { initial: 4928, incremental: 0 } });
    },
  );

  // An app that includes the client's manifest keeps its own module names: the client takes only names under
  // mqtt/, each the file of the same path below firmware/ (XS resolves a relative import against the importer's
  // name, so what the client brings must live in firmware/mqtt/).
  it("firmware/mqtt/manifest.json names only modules under mqtt/, each the file below firmware/ of the same path", () => {
    const { modules, preload } = merged(join(root, "firmware/mqtt/manifest.json"), "esp32");
    for (const [name, [file]] of modules) expect(file, name).toBe(join(root, "firmware", `${name}.ts`));
    const outside = [...new Set([...modules.keys(), ...preload])].filter((name) => !name.startsWith("mqtt/")).sort();
    expect(outside, "names outside mqtt/").toEqual([]);
    expect(modules.size).toBeGreaterThan(30);
  });

  it("brings in the SDK pieces the bindings import", () => {
    const includes = (platform: string) => merged(join(root, "manifest.json"), platform).includes;
    expect(includes("lin")).toEqual(
      expect.arrayContaining([
        "$(MODDABLE)/examples/manifest_net.json",
        "$(MODDABLE)/modules/io/manifest.json",
        "$(MODDABLE)/modules/crypt/tls_419.json",
        "$(MODDABLE)/modules/base/modules/manifest.json",
      ]),
    );
    expect(includes("esp32")).toContain("$(MODDABLE)/modules/io/files/littlefs/manifest.json");
    expect(includes("lin")).toContain("$(MODDABLE)/modules/io/files/posix/manifest.json");
  });
});

describe("manifest.json config", () => {
  it("its config is valid device settings, and the app accepts its start-up configuration", () => {
    const settings = deviceSettings(manifest.config);
    expect(settings.broker).toEqual({ host: "localhost", port: 8883 });
    expect(settings.renewalMarginDays).toBe(30);
    expect(applyConfigUpdate(DEFAULT_CONFIG, settings.app).ok).toBe(true);
  });

  it("declares every key the device reads, so each can be overridden on the mcconfig command line", () => {
    for (const key of Object.values(CONFIG_KEYS).filter((k) => k !== "sntp")) expect(Object.keys(manifest.config)).toContain(key);
  });
});

describe("manifest.json and the device's identity", () => {
  it("builds one image for every device: no certificate resource, no device id, no build variable naming one", () => {
    expect(manifest.resources).toBeUndefined();
    expect(manifest.build).toBeUndefined();
    expect(Object.keys(manifest.config)).not.toContain("deviceId");
    expect(JSON.stringify(manifest)).not.toMatch(/DEVICE_ID|\.der"/);
  });

  it("reads the identity partition with the SDK's flash module on esp32 and the firmware's file-backed one in the simulator", () => {
    expect(merged(join(root, "manifest.json"), "esp32").includes).toContain("$(MODDABLE)/modules/files/flash/manifest.json");
    const lin = manifest.platforms.lin;
    expect(lin.modules?.flash).toBe("./firmware/platform/moddable/lin/flash-file");
    for (const extension of [".js", ".c"]) expect(existsSync(join(root, `firmware/platform/moddable/lin/flash-file${extension}`))).toBe(true);
    expect(list(lin.preload)).toContain("flash");
  });

  it("the partition table has the credentials partition provisioning writes, apart from the app", () => {
    const table = parsePartitions(readFileSync(join(root, "firmware/platform/moddable/esp32/partitions.csv"), "utf8"));
    const identity = table.find((p) => p.name === IDENTITY_PARTITION);
    // ESP-IDF's "undefined" data subtype, 64 KB after the app (the same figures esp32-build.test.ts checks in
    // the generated project); provisioning sizes its image from the same entry.
    expect(identity).toMatchObject({ type: "data", subtype: "0x06", offset: 0x2f0000, size: 0x10000 });
    expect(identityPartition()).toMatchObject({ offset: 0x2f0000, size: 0x10000 });
    const app = table.find((p) => p.type === "app")!;
    expect(identity!.offset >= app.offset + app.size || identity!.offset + identity!.size <= app.offset).toBe(true);
  });
});
