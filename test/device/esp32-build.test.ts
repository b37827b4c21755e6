// The esp32 build, as far as this machine goes without ESP-IDF (host-sim/mcsim/esp32-build.ts): mcconfig for
// esp32/nodemcu, then every module transpiled, compiled, linked and preloaded for esp32 by the SDK's own tools;
// only the C compile and the IDF link are left out. The modules only the board has (the I2C sensors today,
// the Wi-Fi and SNTP bindings next) are never loaded by mcsim: this is where they fail on the host. It also
// reads the partition table the build generated: the file system's storage partition for the outbox.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unfrozenByModule } from "../../host-sim/mcsim/build-output.js";
import { buildForEsp32, removeEsp32Build, type Esp32Build } from "../../host-sim/mcsim/esp32-build.js";
import type { AppBuild } from "../../host-sim/mcsim/mcconfig.js";
import { flashSize, parsePartitions, type Partition } from "../../host-sim/mcsim/partitions.js";
import { moddableSdk, type ModdableSdk } from "../../host-sim/mcsim/sdk.js";
import { DEVICE_ID, ensureDevPki } from "../../support/certs.js";

const root = resolve(import.meta.dirname, "../..");
const BUILD_MS = 10 * 60_000;
/** The outbox's file system: about 1 MB (a day of readings, docs/device.md). */
const STORAGE_SIZE = 0x100000;

let sdk: ModdableSdk;
let env: Record<string, string>;

beforeAll(async () => {
  sdk = moddableSdk();
  env = { CERTS: (await ensureDevPki()).dir, DEVICE_ID };
}, BUILD_MS);

/** Builds the app for esp32 once for its describe block, and removes its build folders afterwards. */
function esp32Build(app: () => AppBuild): () => Esp32Build {
  let build: Esp32Build | undefined;
  beforeAll(async () => {
    build = await buildForEsp32(sdk, app());
  }, BUILD_MS);
  afterAll(() => removeEsp32Build(sdk, app().name));
  return () => {
    if (!build) throw new Error("the esp32 build did not run");
    return build;
  };
}

/** Everything built, and the writable preloaded objects counted and listed by module. */
function expectBuilt(build: Esp32Build, label: string): void {
  expect(build.errors).toEqual([]);
  // Every xsl warning is one the reader knows (a new kind would be missed by the report below).
  expect(build.log.split("\n").filter((line) => line.startsWith("### warning")).length).toBe(build.unfrozen.length);
  console.info(
    `${label} for esp32: ${build.unfrozen.length} preloaded objects left writable (${unfrozenByModule(build.unfrozen)}); ` +
      `${build.aliases} aliases, ${(build.aliases ?? 0) * 4} bytes of RAM at start`,
  );
}

describe("manifest.json for esp32/nodemcu", () => {
  const name = basename(root); // mcconfig names the build after the manifest's folder
  // One image for every device: no build variable names one (its identity is in the identity partition).
  const built = esp32Build(() => ({ dir: root, name }));

  it("compiles, resolves and preloads every module for esp32", () => {
    const build = built();
    expectBuilt(build, "the firmware");
    expect(build.aliases).toBeGreaterThan(0);
  });

  it("compiles the esp32 sources where the platforms differ, and preloads every module of the project", () => {
    const build = built();
    const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as {
      platforms: { esp32: { modules: Record<string, string | string[]> } };
    };
    for (const [module, source] of Object.entries(manifest.platforms.esp32.modules)) {
      // "~" lists sources left out of the build (the SDK's setup/network, which this app replaces).
      // The app's native module (host functions in JavaScript beside their C) compiles from its .js.
      if (module.includes("*") || module === "~") continue;
      const at = join(root, source as string);
      expect(build.modules.get(module), module).toBe(existsSync(`${at}.c`) ? `${at}.js` : `${at}.ts`);
    }
    expect(build.modules.get("platform/moddable/power")).toBe(join(root, "firmware/platform/moddable/power.ts"));
    expect(build.modules.get("platform/moddable/esp32/power")).toBe(join(root, "firmware/platform/moddable/esp32/power.js"));
    expect(build.modules.get("platform/moddable/sensors")).toBe(join(root, "firmware/platform/moddable/sensors.ts"));
    // main is not held back until Wi-Fi and SNTP are up: the SDK's setup/network is replaced by ours.
    expect(build.modules.get("setup/network")).toBe(join(root, "firmware/platform/moddable/setup-network.ts"));
    expect(build.modules.get("platform/moddable/wifi")).toBe(join(root, "firmware/platform/moddable/wifi.ts"));
    // The identity partition is mapped with the SDK's own flash module (the simulator has the firmware's).
    expect(build.modules.get("flash")).toBe(join(sdk.root, "modules/files/flash/flash.js"));
    expect(build.preloaded).toEqual(expect.arrayContaining(["flash", "platform/moddable/flash-partition", "platform/moddable/rsa-signer", "platform/moddable/tls-sessions", "identity/credential-store", "identity/renewal"]));
    expect(build.preloaded).toEqual(expect.arrayContaining(["setup/network", "platform/moddable/wifi", "~.embedded/network/interface/wifi", "~.embedded/io/socket/udp"])); // "embedded:" names as xsl writes them
    const ours = [...build.modules].filter(([, source]) => source.startsWith(`${root}/`)).map(([module]) => module);
    expect(ours.length).toBeGreaterThan(50);
    expect(ours.filter((module) => !build.preloaded.includes(module))).toEqual([]);
  });

  it("asks ESP-IDF for power management: frequency scaling, tickless idle (light sleep), power saving while disconnected", async () => {
    const sdkconfig = await readFile(join(built().idfProject, "sdkconfig.mc"), "utf8");
    const option = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(sdkconfig)?.[1];
    for (const name of ["CONFIG_PM_ENABLE", "CONFIG_PM_DFS_INIT_AUTO", "CONFIG_FREERTOS_USE_TICKLESS_IDLE", "CONFIG_ESP_WIFI_STA_DISCONNECTED_PM_ENABLE"]) {
      expect(option(name), name).toBe("y");
    }
    // What the SDK set stays (the CPU's top speed, which DFS scales down from).
    expect(option("CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_240")).toBe("y");
  });

  it("gives the file system a 1 MB storage partition, the credentials a 64 KB identity partition apart from the app, and the app the rest of the 4 MB flash", async () => {
    const build = built();
    const table = parsePartitions(await readFile(join(build.idfProject, "partitions.csv"), "utf8"));
    const flash = flashSize(await readFile(join(build.idfProject, "sdkconfig.mc"), "utf8"));
    expect(flash).toBe(4 * 1024 * 1024);
    const byName = (n: string): Partition | undefined => table.find((p) => p.name === n);
    const end = (p: Partition): number => p.offset + p.size;
    // littlefs opens the partition named by defines.file.partition ("#storage"), of any data subtype.
    expect(byName("storage")).toEqual({ name: "storage", type: "data", subtype: "spiffs", offset: 0x300000, size: STORAGE_SIZE });
    expect(byName("factory")).toEqual({ name: "factory", type: "app", subtype: "factory", offset: 0x10000, size: 0x2e0000 });
    // The device's credentials store: a data partition (subtype 0x06, ESP-IDF's "undefined") a firmware update never writes.
    expect(byName("identity")).toEqual({ name: "identity", type: "data", subtype: "0x06", offset: 0x2f0000, size: 0x10000 });
    // In order, without overlap or gap after the app, and the last ends where the flash does.
    for (let i = 1; i < table.length; i++) expect(table[i].offset, table[i].name).toBeGreaterThanOrEqual(end(table[i - 1]));
    for (let i = table.findIndex((p) => p.type === "app") + 1; i < table.length; i++) expect(table[i].offset, table[i].name).toBe(end(table[i - 1]));
    expect(end(table[table.length - 1])).toBe(flash);
    // mcconfig took the table as it is: it did not carve its own 64 KB storage out of the app partition.
    expect(build.log).not.toMatch(/file storage partition of size/);
  });
});

describe("examples/mqtt-client for esp32/nodemcu", () => {
  const built = esp32Build(() => ({ dir: join(root, "examples/mqtt-client"), name: "mqtt-client-example", env }));

  it("compiles, resolves and preloads every module for esp32", () => {
    expectBuilt(built(), "examples/mqtt-client");
  });
});

// The same build fails, naming what failed, when an esp32 module cannot compile, resolve or preload: a small
// app (the SDK's base manifest and one planted module, preloaded as the firmware's are) built for esp32.
describe("a module that cannot be built for esp32 fails the build", () => {
  const NAME = `esp32-build-test-planted-${process.pid}`;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "esp32-planted-"));
  });
  afterAll(async () => {
    await removeEsp32Build(sdk, NAME);
    await rm(dir, { recursive: true, force: true });
  });

  async function buildPlanted(planted: string): Promise<Esp32Build> {
    const manifest = {
      include: ["$(MODDABLE)/examples/manifest_base.json"],
      build: { NAME },
      modules: { "*": "./main", "platform/planted": "./planted" },
      preload: ["main", "platform/planted"],
    };
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
    await writeFile(join(dir, "main.ts"), `import { planted } from "platform/planted";\nexport default function (): void {\n  trace(\`\${typeof planted}\\n\`);\n}\n`);
    await writeFile(join(dir, "planted.ts"), planted);
    return buildForEsp32(sdk, { dir, name: NAME });
  }

  it("an import no manifest of the build provides (a Wi-Fi binding without the SDK's Wi-Fi): xsl cannot resolve it", async () => {
    const build = await buildPlanted(`import WiFi from "embedded:network/interface/wifi";\nexport const planted = (): unknown => WiFi;\n`);
    expect(build.errors).toContain(`### ReferenceError: module "embedded:network/interface/wifi" not found!`);
  }, BUILD_MS);

  it("device work at a preloaded module's top level: xsl cannot preload it, and names the module", async () => {
    const build = await buildPlanted(`import Timer from "timer";\nexport const planted = Timer.set(() => {}, 1000);\n`);
    expect(build.errors).toEqual(expect.arrayContaining(["TypeError: link: unavailable function", " at platform/planted ()"]));
  }, BUILD_MS);

  it("a type error in a module: the type check fails", async () => {
    const build = await buildPlanted(`export const planted: number = "seventy-two";\n`);
    expect(build.errors.some((line) => /planted\.ts\(1,14\): error TS2322: /.test(line))).toBe(true);
  }, BUILD_MS);
});
