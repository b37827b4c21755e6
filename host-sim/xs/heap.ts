// Live heap of an XS machine, read from a heap snapshot (xsnap-worker `w`): the snapshot is written after
// a full collection and holds exactly the live chunks (atom BLOC) and live slots (atom HEAP), so it
// measures memory in use, which the worker's meters do not (they give mapped memory and a slot count).
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XsWorker } from "./bridge.js";

/** A txSlot on a 32-bit target such as the ESP32 (the host build is 64-bit: 32 bytes). */
export const DEVICE_SLOT_BYTES = 16;

export interface HeapUse {
  /** Live slots (objects, properties, closures, ...). */
  slots: number;
  /** sizeof(txSlot) in this (host) build. */
  hostSlotBytes: number;
  /** Live chunk bytes: strings, ArrayBuffer data, array and code storage, as laid out on the host. */
  chunkBytes: number;
  /** slots x 16 + chunkBytes: the heap this would take on the ESP32. Chunks are counted at their host size
   *  (pointers and chunk-resident slots are twice as large on 64-bit), so this errs high. */
  deviceBytes: number;
}

/** Parse the atom sizes of an XS snapshot. */
export function parseSnapshot(bytes: Uint8Array): HeapUse {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (tag(0) !== "XS_M") throw new Error("not an XS snapshot");
  let hostSlotBytes = 0;
  let chunkBytes = -1;
  let slotBytes = -1;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at);
    if (size < 8) throw new Error("corrupt XS snapshot atom");
    const name = tag(at);
    if (name === "VERS") hostSlotBytes = Math.abs(view.getInt8(at + 11));
    else if (name === "BLOC") chunkBytes = size - 8;
    else if (name === "HEAP") slotBytes = size - 8;
    at += size;
  }
  if (!hostSlotBytes || chunkBytes < 0 || slotBytes < 0) throw new Error("XS snapshot lacks VERS/BLOC/HEAP");
  const slots = slotBytes / hostSlotBytes;
  return { slots, hostSlotBytes, chunkBytes, deviceBytes: slots * DEVICE_SLOT_BYTES + chunkBytes };
}

let sequence = 0;

/** Snapshot the worker's heap to a temporary file and measure it. */
export async function measureHeap(worker: XsWorker): Promise<HeapUse> {
  const path = join(tmpdir(), `xs-heap-${process.pid}-${sequence++}.xss`);
  try {
    await worker.writeSnapshot(path);
    return parseSnapshot(readFileSync(path));
  } finally {
    rmSync(path, { force: true });
  }
}
