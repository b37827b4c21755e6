// Prefills an outbox directory on the host, for mcsim runs and benches that start with a backlog: the real
// Outbox (firmware/telemetry/outbox.ts) writes the records through the host's file Storage binding, so the
// files are byte for byte what the device writes, and the device (or mcsim, whose app files live under its
// $HOME/wearable, docs/device.md) opens them as its own.
//
//   fillOutbox({ directory, recordBytes: READING_RECORD_BYTES, records: 20_160, payload: (i) => ... })
import { Outbox, type OutboxOptions } from "../firmware/telemetry/outbox.js";
import { FileStorage } from "./platform/file-storage.js";

export interface OutboxFillOptions extends Omit<OutboxOptions, "storage"> {
  /** The outbox's directory (created when missing); an outbox already there is opened and appended to. */
  directory: string;
  /** Records to append. */
  records: number;
  /** Record i's payload, recordBytes long: the caller's format (e.g. an encoded reading). */
  payload(index: number): Uint8Array;
}

export interface OutboxFill {
  /** Sequence numbers of the first and last record appended. */
  firstSeq: number;
  lastSeq: number;
  /** Unacknowledged records in the outbox afterwards, and records dropped to stay in its bound. */
  count: number;
  drops: number;
}

export function fillOutbox(options: OutboxFillOptions): OutboxFill {
  const { directory, records, payload, ...outbox } = options;
  // No fsync per record: a tool's run, not a device's, and tens of thousands of records. Nothing is lost
  // unless the host itself crashes.
  const box = new Outbox({ ...outbox, storage: new FileStorage(directory, { fsync: false }) });
  const firstSeq = box.nextSeq;
  for (let i = 0; i < records; i++) box.append(payload(i));
  return { firstSeq, lastSeq: box.nextSeq - 1, count: box.count, drops: box.drops };
}
