// CRC-32 as used by IEEE 802.3, zlib and PNG (reflected polynomial 0xEDB88320, initial value and final
// XOR 0xFFFFFFFF; check value of "123456789" is 0xCBF43926). The outbox frames its records with it so a
// torn or corrupted write is detected on the next boot.

/** The 256-entry table (1 KB), built when the module is loaded: on the device that is when the firmware is
 *  built (the module is preloaded), so the table lives in flash and costs no RAM nor boot time. */
const TABLE = crcTable();

function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * CRC-32 of bytes[start, end). Pass a previous result as `crc` to continue over a further range, so a
 * header and a payload held in different buffers give the same value as one contiguous buffer.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = TABLE;
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
