// What one wire-bench run measures and how it is summed up; shared by the app run (ours.ts), the
// MQTT.js runs (peer.ts, same.ts) and the report (bench/wire.ts).
import type { ReadingKind } from "../../firmware/common/vital-signs.js";
import type { CountingRelay, RecordBytes, WireCount } from "./relay.js";
import type { MqttBytes } from "./tap.js";

/** One vital-sign reading as the app sampled it (the peer publishes the same list). */
export interface WireReading {
  kind: ReadingKind;
  value: number;
  /** Wall-clock milliseconds at the sample. */
  time: number;
}

export interface RunResult {
  /** Readings acknowledged by the broker. */
  readings: number;
  /** TLS socket bytes of the whole run (connect to close), both directions. */
  total: WireCount;
  /** Up to and including CONNACK: TCP payload of the TLS handshake + CONNECT + CONNACK. */
  setup: WireCount;
  /** DISCONNECT and TLS close_notify after the last acknowledgement. */
  teardown: WireCount;
  /** TLS records by content type, both directions summed. */
  records: RecordBytes;
  /** The MQTT plaintext inside the application data records, by role, both directions summed. */
  mqtt: MqttBytes;
  /** PUBLISH packets sent (telemetry, and for the app also status). */
  publishes: number;
  /** Longest time from a reading's sample to the PUBACK that acknowledged it (simulated ms for the app). */
  maxLatencyMs: number;
  meanLatencyMs: number;
  /** Negotiated TLS version and cipher suite (from the ServerHello), e.g. 0x0303 / 0xc02f. */
  tlsVersion?: number;
  cipherSuite?: number;
  /** Real milliseconds the run took. */
  wallMs: number;
}

export function sum(a: WireCount): number {
  return a.up + a.down;
}

export function minus(a: WireCount, b: WireCount): WireCount {
  return { up: a.up - b.up, down: a.down - b.down };
}

/** Record bytes of every connection through the relay, both directions summed. */
export function recordTotals(relay: CountingRelay): RecordBytes {
  const out: RecordBytes = { changeCipherSpec: 0, alert: 0, handshake: 0, applicationData: 0, other: 0 };
  for (const c of relay.connections) {
    for (const r of [c.upRecords, c.downRecords]) {
      for (const key of Object.keys(out) as (keyof RecordBytes)[]) out[key] += r[key];
    }
  }
  return out;
}

/** Resolves when check() holds, polling the event loop; rejects after timeoutMs of real time. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`wire bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
