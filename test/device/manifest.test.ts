// manifest.json against the sources: every module the device entry reaches (following its relative
// imports the way XS resolves them, against the importing module's name) is mapped to an existing file on
// both platforms, on lin the sensors module is the simulated one, and the certificate resources are the
// files `npm run certs` writes. A device build that misses a module fails only on the device; this catches
// it on the host.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEVICE_ID, ensureDevPki } from "../../certs/dev-pki.js";
import { CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE } from "../../firmware/platform/moddable/resource-names.js";
import { CONFIG_KEYS, deviceSettings } from "../../firmware/platform/moddable/device-config.js";
import { applyConfigUpdate, DEFAULT_CONFIG } from "../../firmware/telemetry/config.js";

const root = resolve(import.meta.dirname, "../..");

interface Manifest {
  include: string[];
  build: Record<string, string>;
  config: Record<string, unknown>;
  modules: Record<string, string | string[]>;
  resources: Record<string, string>;
  platforms: Record<string, { modules?: Record<string, string | string[]>; include?: string[] }>;
}

const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as Manifest;
const PLATFORMS = ["esp32", "lin"] as const;

/** Module name -> source file (.ts) for one platform, as mcconfig maps them (wildcards expanded). */
function moduleMap(platform: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (name: string, file: string) => map.set(name, [...(map.get(name) ?? []), file]);
  const entries = Object.entries({ ...manifest.modules }).map(([k, v]) => [k, v] as const);
  const platformEntries = Object.entries(manifest.platforms[platform]?.modules ?? {});
  for (const [key, value] of [...entries, ...platformEntries]) {
    for (const source of Array.isArray(value) ? value : [value]) {
      const path = join(root, source);
      if (source.endsWith("/*")) {
        const dir = dirname(path);
        for (const file of readdirSync(dir)) {
          if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
          const base = file.slice(0, -3);
          add(key === "*" ? base : key.replace("*", base), join(dir, file));
        }
      } else {
        add(key === "*" ? posix.basename(source) : key, `${path}.ts`);
      }
    }
  }
  return map;
}

/** Relative imports a module loads at run time (`import type` is erased by tsc). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^\s*import\s+(?!type\s)[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]);
}

/** The modules reachable from "main", resolved by name as XS does (relative to the importer's name). */
function reachable(platform: string): { names: Map<string, string>; problems: string[] } {
  const map = moduleMap(platform);
  const names = new Map<string, string>();
  const problems: string[] = [];
  const visit = (name: string) => {
    if (names.has(name)) return;
    const files = map.get(name) ?? [];
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
      visit(posix.normalize(posix.join(posix.dirname(name), specifier)).replace(/\.js$/, ""));
    }
  };
  visit("main");
  return { names, problems };
}

describe("manifest.json modules", () => {
  it.each(PLATFORMS)("%s: every module main reaches maps to exactly one existing source", (platform) => {
    const { names, problems } = reachable(platform);
    expect(problems).toEqual([]);
    expect(names.get("main")).toBe(join(root, "firmware/main.ts"));
    for (const needed of ["telemetry/app", "mqtt/client", "platform/moddable/socket", "platform/moddable/vitals", "sensors/heart-rate"]) {
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

  it("every device-side source file is reachable on some platform (nothing listed for nothing)", () => {
    const used = new Set([...reachable("esp32").names.values(), ...reachable("lin").names.values()]);
    const device = readdirSync(join(root, "firmware/platform/moddable"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(root, "firmware/platform/moddable", f));
    expect(device.filter((f) => !used.has(f))).toEqual([]);
  });

  it("brings in the SDK pieces the bindings import", () => {
    expect(manifest.include).toEqual(
      expect.arrayContaining([
        "$(MODDABLE)/examples/manifest_net.json",
        "$(MODDABLE)/modules/io/manifest.json",
        "$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json",
      ]),
    );
    expect(manifest.platforms.esp32.include).toContain("$(MODDABLE)/modules/io/files/littlefs/manifest.json");
    expect(manifest.platforms.lin.include).toContain("$(MODDABLE)/modules/io/files/posix/manifest.json");
  });
});

describe("manifest.json config", () => {
  it("its config is valid device settings, and the app accepts its start-up configuration", () => {
    const settings = deviceSettings(manifest.config);
    expect(settings.deviceId).toBe(DEFAULT_DEVICE_ID);
    expect(settings.broker).toEqual({ host: "localhost", port: 8883 });
    expect(applyConfigUpdate(DEFAULT_CONFIG, settings.app).ok).toBe(true);
  });

  it("declares every key the device reads, so each can be overridden on the mcconfig command line", () => {
    for (const key of Object.values(CONFIG_KEYS).filter((k) => k !== "sntp")) expect(Object.keys(manifest.config)).toContain(key);
  });
});

describe("manifest.json resources", () => {
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "device-certs-"));
    await ensureDevPki({ out });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("names the files npm run certs writes, under the names the device opens", () => {
    const variables: Record<string, string> = { CERTS: out, DEVICE_ID: manifest.build["DEVICE_ID ?="] };
    expect(manifest.build["CERTS ?="]).toBe("./certs/out");
    expect(variables.DEVICE_ID).toBe(manifest.config.deviceId);
    const resolved = Object.fromEntries(
      Object.entries(manifest.resources).map(([name, path]) => [name, path.replace(/\$\((\w+)\)/g, (_m, v: string) => variables[v])]),
    );
    // mcconfig names a resource <key><extension>.
    expect(Object.keys(resolved).map((k) => k + ".der").sort()).toEqual([CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE].sort());
    for (const path of Object.values(resolved)) {
      expect(path.endsWith(".der"), path).toBe(true);
      expect(existsSync(path), path).toBe(true);
    }
    // The key resource is the PKCS#8 DER key (SEQUENCE, version 0, then the algorithm identifier).
    const key = readFileSync(resolved["device-key"]);
    expect(key[0]).toBe(0x30);
  });
});
