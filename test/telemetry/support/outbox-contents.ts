// Everything an outbox holds, paged through with read() and copied (the page is reused), for assertions.
import type { Outbox } from "../../../firmware/telemetry/outbox.js";

export interface StoredRecord {
  seq: number;
  payload: number[];
}

export function storedRecords(box: Outbox): StoredRecord[] {
  const out: StoredRecord[] = [];
  let after = 0;
  for (;;) {
    const page = box.read(after);
    if (page.length === 0) return out;
    for (let i = 0; i < page.length; i++) out.push({ seq: page.seq(i), payload: [...page.payload(i)] });
    after = page.seq(page.length - 1);
  }
}

export function storedSeqs(box: Outbox): number[] {
  return storedRecords(box).map((r) => r.seq);
}
