// XS entry for the telemetry modules: the same encoders, outbox and config parsing, run inside the XS
// engine (the device's JavaScript engine), so the host test can compare them byte for byte with Node.
import { expose } from "../../host-sim/xs/runtime/host-channel.js";
import { xsStorage } from "../../host-sim/xs/runtime/ports.js";
import { CborWriter } from "../../firmware/telemetry/cbor.js";
import { crc32 } from "../../firmware/telemetry/crc32.js";
import { Outbox, type OutboxOptions } from "../../firmware/telemetry/outbox.js";
import { encodeTelemetry, type PayloadFormat, type StampedReading } from "../../firmware/telemetry/payload.js";
import { DEFAULT_CONFIG, parseConfigUpdate } from "../../firmware/telemetry/config.js";
import { AlarmMonitor, news2PulseScore, news2TemperatureScore } from "../../firmware/telemetry/news2.js";

const hex = (b: Uint8Array) => Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");

expose({
  // Numbers travel as text: the bridge's JSON would turn NaN and the infinities into null.
  floats: (values: string[]) => values.map((v) => hex(new CborWriter().float(Number(v)).finish())),
  numbers: (values: string[]) => values.map((v) => hex(new CborWriter().number(Number(v)).finish())),
  texts: (values: string[]) => values.map((v) => hex(new CborWriter().text(v).finish())),
  crc: (bytes: ArrayBuffer) => crc32(new Uint8Array(bytes)),
  telemetry: (readingsJson: string, format: PayloadFormat) =>
    encodeTelemetry("wearable-001/", JSON.parse(readingsJson) as StampedReading[], format).bytes.slice().buffer,
  config: (bytes: ArrayBuffer) => {
    const r = parseConfigUpdate(DEFAULT_CONFIG, new Uint8Array(bytes));
    return r.ok ? { ok: true, config: JSON.stringify(r.config) } : { ok: false, code: r.error.code, field: r.error.field ?? "" };
  },
  scores: (hr: number[], temp: number[]) => [hr.map(news2PulseScore), temp.map(news2TemperatureScore)],
  alarms: (values: number[]) => {
    const m = new AlarmMonitor();
    return values.map((v) => m.update("hr", v)?.level ?? "-");
  },
  // Appends and acks on the storage port (forwarded to the host), then reports what a reopen sees.
  outbox: (ring: Omit<OutboxOptions, "storage">, appends: number, ackFirst: number, ackLast: number) => {
    const box = new Outbox({ storage: xsStorage, ...ring });
    const seqs: number[] = [];
    for (let i = 0; i < appends; i++) seqs.push(box.append(new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7])));
    box.ack(ackFirst, ackLast);
    const again = new Outbox({ storage: xsStorage, ...ring });
    return { seqs, live: storedSeqs(again), drops: again.drops, nextSeq: again.nextSeq };
  },
});

function storedSeqs(box: Outbox): number[] {
  const seqs: number[] = [];
  for (let page = box.read(0); page.length > 0; page = box.read(seqs[seqs.length - 1])) {
    for (let i = 0; i < page.length; i++) seqs.push(page.seq(i));
  }
  return seqs;
}

// The heap an outbox holds, empty and full (the host measures the heap between these calls): 11-byte
// records, the default ring.
let held: Outbox | undefined;
expose({
  openHeld: (name: string) => {
    held = undefined; // the one open now goes first, as at a reboot
    held = new Outbox({ storage: xsStorage, name, recordBytes: 11 });
    return { count: held.count, capacity: held.capacity, records: held.recovery.records };
  },
  fillHeld: (records: number) => {
    const box = held as Outbox;
    const payload = new Uint8Array(11);
    for (let i = 0; i < records; i++) {
      payload[0] = i & 0xff;
      box.append(payload);
    }
    return { count: box.count, drops: box.drops, nextSeq: box.nextSeq };
  },
  readHeld: (afterSeq: number) => {
    const page = (held as Outbox).read(afterSeq);
    return page.length > 0 ? [page.seq(0), page.seq(page.length - 1)] : [];
  },
});
