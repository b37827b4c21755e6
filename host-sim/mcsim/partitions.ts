// An ESP-IDF partition table (partitions.csv), read the way ESP-IDF's gen_esp32part.py reads it: one
// partition a line (name, type, subtype, offset, size, flags), `#` comments, sizes in hex, decimal, K or M,
// and an empty offset placed right after the previous partition, aligned to 0x10000 for an app and 0x1000
// for data; the first partition follows the table itself (0x8000, 0x1000 long). ESP-IDF's partition tables
// guide: https://docs.espressif.com/projects/esp-idf/en/stable/esp32/api-guides/partition-tables.html

export interface Partition {
  name: string;
  type: string;
  subtype: string;
  offset: number;
  size: number;
}

export class PartitionTableError extends Error {
  override readonly name = "PartitionTableError";
  readonly code = "bad-partition-table";
}

const TABLE_END = 0x9000;

function number(text: string, line: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([KM]?)$/i.exec(text);
  if (!m) throw new PartitionTableError(`not a size or offset: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return Number(m[1]) * (m[2].toUpperCase() === "K" ? 1024 : m[2].toUpperCase() === "M" ? 1024 * 1024 : 1);
}

export function parsePartitions(csv: string): Partition[] {
  const partitions: Partition[] = [];
  let next = TABLE_END;
  for (const raw of csv.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [name, type, subtype, offsetText, sizeText] = line.split(",").map((field) => field.trim());
    if (!name || !type || sizeText === undefined) throw new PartitionTableError(`not a partition: ${JSON.stringify(line)}`);
    const align = type === "app" ? 0x10000 : 0x1000;
    const offset = offsetText ? number(offsetText, line) : Math.ceil(next / align) * align;
    const size = number(sizeText, line);
    partitions.push({ name, type, subtype, offset, size });
    next = offset + size;
  }
  return partitions;
}

/** The flash size a merged sdkconfig selects (CONFIG_ESPTOOLPY_FLASHSIZE_<n>MB=y), in bytes. */
export function flashSize(sdkconfig: string): number | undefined {
  const m = /^CONFIG_ESPTOOLPY_FLASHSIZE_(\d+)MB=y$/m.exec(sdkconfig);
  return m ? Number(m[1]) * 1024 * 1024 : undefined;
}
