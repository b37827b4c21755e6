// XS entry for the telemetry modules: the same encoders, outbox and config parsing, run inside the XS
// engine (the device's JavaScript engine), so the host test can compare them byte for byte with Node.
import { expose } from "../../host-sim/xs/runtime/host-channel.js";
import { xsStorage } from "../../host-sim/xs/runtime/ports.js";
import { CborWriter } from "../../firmware/telemetry/cbor.js";
import { crc32 } from "../../firmware/telemetry/crc32.js";
import { Outbox } from "../../firmware/telemetry/outbox.js";
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
  outbox: (appends: number, ackFirst: number, ackLast: number, maxBytes: number) => {
    const box = new Outbox({ storage: xsStorage, maxBytes });
    const seqs: number[] = [];
    for (let i = 0; i < appends; i++) seqs.push(box.append(new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7])));
    box.ack(ackFirst, ackLast);
    const again = new Outbox({ storage: xsStorage, maxBytes });
    return { seqs, live: again.peek().map((r) => r.seq), drops: again.drops, nextSeq: again.nextSeq };
  },
});

// Heap cost of the outbox's live records (the host measures the heap around these calls).
let held: Outbox | undefined;
expose({
  holdOutbox: (records: number, maxBytes: number) => {
    held = new Outbox({ storage: xsStorage, name: "held", maxBytes });
    for (let i = 0; i < records; i++) held.append(new Uint8Array(26).fill(i & 0xff));
    return held.count;
  },
  releaseOutbox: () => {
    held = undefined;
  },
});
