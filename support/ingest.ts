// The back end of the tests, the CLI and the benches: an independent MQTT.js client with the "ingest" certificate (certs/acl
// lets it read devices/+/# and write devices/+/config), on a persistent session so a broker restart
// loses nothing it was sent. It keeps every SenML record it received, in arrival order.
import mqtt from "mqtt";
import { resolveSeqs } from "../host-sim/senml-seq.js";
import type { TestPki } from "./certs.js";

export interface ReceivedRecord {
  topic: string;
  /** Resolved SenML fields (RFC 8428 section 4.6): name, unit, value, absolute time in seconds. */
  name: string;
  unit: string;
  value: number;
  time: number;
  seq: number;
}

export interface Ingest {
  client: mqtt.MqttClient;
  records: ReceivedRecord[];
  /** Non-telemetry messages, e.g. config/rejected. */
  others: { topic: string; payload: string }[];
  /** Packs that were not valid SenML as this back end reads it. */
  invalid: string[];
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Resolves a SenML JSON pack (section 4.6: base values carry over; t relative to bt; seq carries over as
 *  the previous + 1, host-sim/senml-seq.ts). */
export function resolvePack(topic: string, text: string): ReceivedRecord[] {
  const pack = JSON.parse(text) as Record<string, unknown>[];
  if (!Array.isArray(pack) || pack.length === 0) throw new Error("not a non-empty SenML array");
  let bn = "", bt = 0, bu: string | undefined;
  const seqs = resolveSeqs(pack);
  return pack.map((r, i) => {
    if (typeof r.bn === "string") bn = r.bn;
    if (typeof r.bt === "number") bt = r.bt;
    if (typeof r.bu === "string") bu = r.bu;
    const name = bn + (typeof r.n === "string" ? r.n : "");
    const unit = typeof r.u === "string" ? r.u : bu;
    if (!/^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/.test(name)) throw new Error(`bad SenML name ${name}`);
    if (typeof r.v !== "number" || !Number.isFinite(r.v)) throw new Error(`record without a numeric v: ${JSON.stringify(r)}`);
    if (unit === undefined) throw new Error(`record without a unit: ${JSON.stringify(r)}`);
    const time = bt + (typeof r.t === "number" ? r.t : 0);
    if (time < 2 ** 28) throw new Error(`time ${time} is not absolute`);
    return { topic, name, unit, value: r.v, time, seq: seqs[i] };
  });
}

/** An MQTT.js client with the ingest identity on a local broker's TLS port; `options` override the defaults
 *  (a fresh client id, no reconnection). The one way the tests and benches reach a broker as the back end. */
export function connectIngest(pki: TestPki, port: number, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    ...pki.ingestTls,
    clientId: `ingest-${Math.random().toString(16).slice(2)}`,
    reconnectPeriod: 0,
    ...options,
  });
}

/** The last retained message on `topic` (e.g. a device's status), parsed as JSON, as a new subscriber sees it. */
export async function retainedJson(pki: TestPki, port: number, topic: string): Promise<Record<string, unknown>> {
  const client = await connectIngest(pki, port);
  try {
    const message = new Promise<Buffer>((resolve) => client.once("message", (_topic, payload) => resolve(payload)));
    await client.subscribeAsync(topic, { qos: 1 });
    return JSON.parse((await message).toString("utf8")) as Record<string, unknown>;
  } finally {
    await client.endAsync(true);
  }
}

/** The back end that keeps what arrives: SenML records resolved, other messages as text. */
export async function startIngest(pki: TestPki, port: number, filter: string, clientId = `ingest-${process.pid}-${Date.now()}`): Promise<Ingest> {
  const client = await connectIngest(pki, port, { clientId, clean: false, reconnectPeriod: 300, connectTimeout: 5_000 });
  const records: ReceivedRecord[] = [];
  const others: Ingest["others"] = [];
  const invalid: string[] = [];
  const waiters = new Set<() => void>();
  client.on("message", (topic, payload) => {
    if (topic.endsWith("/telemetry")) {
      try {
        records.push(...resolvePack(topic, payload.toString("utf8")));
      } catch (error) {
        invalid.push(`${(error as Error).message}: ${payload.toString("utf8")}`);
      }
    } else {
      others.push({ topic, payload: payload.toString("utf8") });
    }
    for (const w of waiters) w();
  });
  client.on("error", () => {}); // reconnects are expected while the broker restarts
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    client,
    records,
    others,
    invalid,
    until(check, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          if (!check()) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what} (${records.length} records so far)`));
        }, timeoutMs);
        waiters.add(waiter);
        waiter();
      });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

/** Sequence numbers: every one from 1 to `last` present, and every duplicate identical to the first copy. */
export function checkSequence(records: ReceivedRecord[], last: number): { missing: number[]; conflicting: number[]; duplicates: number } {
  const first = new Map<number, ReceivedRecord>();
  const conflicting: number[] = [];
  let duplicates = 0;
  for (const r of records) {
    const seen = first.get(r.seq);
    if (!seen) {
      first.set(r.seq, r);
      continue;
    }
    duplicates++;
    if (seen.name !== r.name || seen.value !== r.value || seen.time !== r.time || seen.unit !== r.unit) conflicting.push(r.seq);
  }
  const missing: number[] = [];
  for (let seq = 1; seq <= last; seq++) if (!first.has(seq)) missing.push(seq);
  return { missing, conflicting, duplicates };
}
