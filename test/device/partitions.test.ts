// The partition table reader (host-sim/mcsim/partitions.ts) the esp32 build test checks the storage partition
// with: on the table mcconfig generated from the SDK's default when it carves its own 64 KB storage partition
// (offsets left empty), and on this project's table.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { flashSize, parsePartitions, PartitionTableError } from "../../host-sim/mcsim/partitions.js";

const root = resolve(import.meta.dirname, "../..");

// The end of the partitions.csv `mcconfig -d -p esp32/nodemcu` wrote for manifest.json with no
// PARTITIONS_FILE (the SDK's table, the factory app partition shortened by 0x10000 for littlefs).
const SDK_CARVED = `# Name,   Type, SubType, Offset,  Size, Flags
# Note: if you change the phy_init or app partition offset, make sure to change the offset in Kconfig.projbuild,,,,
nvs,      data, nvs,     0x9000,  0x006000,
phy_init, data, phy,     0xf000,  0x001000,
factory, app, factory, , 0x3e0000
storage, data, spiffs, , 0x10000,`;

describe("partition tables", () => {
  it("places a partition without an offset after the previous one, an app on a 64 KB boundary", () => {
    expect(parsePartitions(SDK_CARVED)).toEqual([
      { name: "nvs", type: "data", subtype: "nvs", offset: 0x9000, size: 0x6000 },
      { name: "phy_init", type: "data", subtype: "phy", offset: 0xf000, size: 0x1000 },
      { name: "factory", type: "app", subtype: "factory", offset: 0x10000, size: 0x3e0000 },
      { name: "storage", type: "data", subtype: "spiffs", offset: 0x3f0000, size: 0x10000 },
    ]);
    expect(parsePartitions("nvs, data, nvs, , 24K\napp, app, factory, , 1M\nfs, data, spiffs, , 0x1000")).toEqual([
      { name: "nvs", type: "data", subtype: "nvs", offset: 0x9000, size: 0x6000 },
      { name: "app", type: "app", subtype: "factory", offset: 0x10000, size: 0x100000 },
      { name: "fs", type: "data", subtype: "spiffs", offset: 0x110000, size: 0x1000 },
    ]);
  });

  it("reads the project's esp32 table: 1 MB of storage at 0x300000", () => {
    const table = parsePartitions(readFileSync(join(root, "firmware/platform/moddable/esp32/partitions.csv"), "utf8"));
    expect(table.find((p) => p.name === "storage")).toEqual({ name: "storage", type: "data", subtype: "spiffs", offset: 0x300000, size: 0x100000 });
  });

  it("refuses a line it cannot read, with a typed error", () => {
    expect(() => parsePartitions("storage, data, spiffs, , lots")).toThrow(PartitionTableError);
    expect(() => parsePartitions("storage")).toThrow(/not a partition/);
  });

  it("reads the flash size a merged sdkconfig selects", () => {
    expect(flashSize("CONFIG_ESPTOOLPY_FLASHSIZE_4MB=y\nCONFIG_PARTITION_TABLE_CUSTOM=y")).toBe(0x400000);
    expect(flashSize("# CONFIG_ESPTOOLPY_FLASHSIZE_4MB is not set")).toBeUndefined();
  });
});
