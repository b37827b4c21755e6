// The telemetry app: sample -> store (outbox) -> batch -> publish QoS 1 -> PUBACK removes from the outbox.
//
//   polled sensors --(interval timers)--\
//   pushed readings --(offer, at most one per interval)--> plausibility --> resolution (precision.ts)
//       --> outbox.append (durable first) --> batcher
//                                         \--> alarms --> devices/<id>/alerts at once (QoS 1)
//   batcher releases --> SenML pack (JSON/CBOR) --> devices/<id>/telemetry (QoS 1) --PUBACK--> outbox.ack
//   connect --> devices/<id>/status "online" (retained); the will says "offline" (retained)
//   devices/<id>/config --> validated update (or devices/<id>/config/rejected with the reason)
//
// The MQTT client keeps what it was given across reconnects and resends it (MQTT 4.4), so the app hands
// each reading to the client once per boot; only a reboot makes the outbox replay (records below
// Outbox.bootSeq), and a refusal makes the app take them back.

import { MqttClient } from "../mqtt/client/client.js";
import { ClientError, MessageTooLargeError, PersistentFailureError, QueueFullError } from "../mqtt/client/client-errors.js";
import type { ConnectInfo, MqttClientOptions, PublishOptions, SubscribeCallback } from "../mqtt/client/options.js";
import type { Subscription } from "../mqtt/codec/packets.js";
import type { CallbackThis, Clock, Storage, TimerId } from "../platform/ports.js";
import { Batcher } from "./batcher.js";
import { applyConfigUpdate, ConfigError, DEFAULT_CONFIG, MAX_INCOMING_PACKET_BYTES, parseConfigUpdate, rejectionDocument, type AppConfig } from "./config.js";
import { deviceTopics, type DeviceTopics } from "./device-topics.js";
import { AlarmMonitor } from "./news2.js";
import { Outbox, type OutboxOptions } from "./outbox.js";
import { deviceBaseName, encodeTelemetry, type StampedReading } from "./payload.js";
import { isPlausible } from "./sensor-faults.js";
import { decodeReading, encodeReading, type Reading, type ReadingKind } from "./reading.js";
import { alertDocument, OFFLINE_STATUS, onlineStatus, type StatusCounters } from "./status.js";
import { atResolution } from "./precision.js";
import { Stamper, wallTimeAt } from "./timestamp.js";
import { knownWallTime } from "../common/wall-clock.js";
import { validatePack } from "./senml.js";
import { encodeUtf8 } from "../common/utf8.js";
import { asError } from "../common/as-error.js";

/** What the app needs of the MQTT client (MqttClient satisfies it; tests may pass a fake). */
export interface TelemetryClient {
  readonly connected: boolean;
  connect(): void;
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (error?: Error) => void): void;
  subscribe(subscriptions: string | Subscription | Subscription[], options?: undefined, done?: SubscribeCallback): void;
  close(): void;
}

/** One vital sign's current value, or undefined when there is none now (no finger, still settling). The app
 *  polls it every interval: for a value that is fresh at each read (a temperature conversion). */
export type VitalSource = () => number | undefined;

/** Where a vital sign that makes its own readings pushes each one, once (the heart-rate estimator: one
 *  estimate per window step). TelemetryApp is one. */
export interface VitalSink {
  /** A reading of `kind` taken at `ticks` on the app's monotonic clock (e.g. when its window ended). */
  offer(kind: ReadingKind, value: number, ticks: number): void;
}

/** A pushed reading's time comes from its sensor's sample count, so one interval on the sensor's clock may
 *  measure slightly less on the app's (a FIFO is read up to a sample late): this much is forgiven. */
const OFFER_TOLERANCE_MS = 100;

/** Client options the app does not set itself (it sets clientId, will and the connection callbacks). */
export type TelemetryMqttOptions = Omit<MqttClientOptions, "clientId" | "will" | "onConnect" | "onDisconnect" | "onMessage" | "onError">;

export interface TelemetryAppOptions {
  deviceId: string;
  /** First topic level(s) before the device id (default "devices"); see device-topics.ts. */
  topicPrefix?: string;
  /** Sampling, batching and time stamps. */
  clock: Clock;
  storage: Storage;
  /** Polled sources; a kind without one can be pushed with offer(). */
  sensors: Partial<Record<ReadingKind, VitalSource>>;
  mqtt: TelemetryMqttOptions;
  /** Start-up configuration (a partial update over the defaults); a stored remote config overrides it. */
  config?: Partial<AppConfig>;
  outbox?: Partial<Omit<OutboxOptions, "storage" | "recordBytes">>;
  /** SenML base name (default "<deviceId>/", see payload.ts). */
  baseName?: string;
  /**
   * Batches handed to the client and not yet acknowledged, at most (default 4). More would only wait in
   * the client's queue, costing heap on the device; the rest stays in the outbox until acks come back.
   */
  batchesInFlight?: number;
  /** For tests: build the client from the options the app computed. */
  createClient?: (options: MqttClientOptions) => TelemetryClient;
  /** Anything that went wrong without stopping the app (sensor errors, refusals, storage errors). */
  onError?(error: Error): void;
  /** A configuration took effect (from storage at start, or from devices/<id>/config). */
  onConfig?(config: AppConfig): void;
  onConnect?(info: ConnectInfo): void;
  onDisconnect?(reason: Error): void;
}

/** The will's payload: made once, when the module is loaded (in flash on the device). */
const OFFLINE_PAYLOAD = encodeUtf8(OFFLINE_STATUS);

/** Outbox records have one size: a stored reading (reading.ts: 18 bytes, 26 with its time) padded to 26. */
export const READING_RECORD_BYTES = 26;

/** A stored reading handed to the client: its own copy (the outbox reuses the page it reads into). */
interface StoredRecord {
  seq: number;
  payload: Uint8Array;
}

/** Storage name of the last accepted remote configuration. */
const CONFIG_FILE = "config";

export class TelemetryApp implements VitalSink {
  readonly topics: DeviceTopics;
  readonly outbox: Outbox;
  readonly client: TelemetryClient;
  #options: TelemetryAppOptions;
  #clock: Clock;
  #config: AppConfig;
  #baseName: string;
  #alarms: AlarmMonitor;
  #batcher: Batcher<number>;
  #stamper: Stamper;
  #timers: Partial<Record<ReadingKind, TimerId>> = {};
  /** Ticks of the last pushed reading kept, per kind (at most one per interval). */
  #lastOffer: Record<ReadingKind, number> = { hr: -Infinity, temp: -Infinity };
  /** Records handed to the client and not yet completed, and how many batches they make. */
  #inClient = new Set<number>();
  #batchesInClient = 0;
  /** Records up to here were handed to the client (or are gone); moved back when a batch comes back. */
  #cursor = 0;
  /** Highest seq the batcher released for sending (records from before the reboot are released at once). */
  #released: number;
  /** Readings per PUBLISH; halves when the broker's Maximum Packet Size refuses a batch. */
  #chunk: number;
  #faults = 0;
  #discarded = 0;
  #persistentFailures = 0;
  #lastStatus = "";
  #started = false;
  #closed = false;

  constructor(options: TelemetryAppOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.topics = deviceTopics(options.deviceId, options.topicPrefix);
    this.#baseName = options.baseName ?? deviceBaseName(options.deviceId);
    validatePack([{ bn: this.#baseName, n: "hr", v: 0 }]); // a bad base name fails here, not at every publish
    const initial = applyConfigUpdate(DEFAULT_CONFIG, options.config ?? {});
    if (!initial.ok) throw initial.error;
    this.#config = this.#loadStoredConfig(initial.config);
    this.#chunk = this.#config.batchMaxReadings;
    this.outbox = new Outbox({ storage: options.storage, recordBytes: READING_RECORD_BYTES, ...options.outbox });
    this.#released = this.outbox.bootSeq - 1;
    this.#stamper = new Stamper(this.#clock, this.outbox.bootSeq);
    this.#alarms = new AlarmMonitor(this.#config.thresholds);
    this.#batcher = new Batcher<number>({
      clock: this.#clock,
      maxReadings: this.#config.batchMaxReadings,
      maxAgeMs: this.#config.batchMaxAgeMs,
      onFlush: (last) => this.#release(last),
    });
    const clientOptions: MqttClientOptions = {
      maximumPacketSize: MAX_INCOMING_PACKET_BYTES,
      ...options.mqtt,
      clientId: options.deviceId,
      // Retained, so whoever subscribes later sees "offline" (MQTT 3.1.2.5 Will Flag, 3.1.2.7 Will Retain).
      will: { topic: this.topics.status, payload: OFFLINE_PAYLOAD, qos: 1, retain: true },
      // Shared callbacks that find this app as their `target`, and the caller's handed on as it is: no
      // closures (each would cost RAM on the device for as long as the app runs).
      target: this,
      onConnect: TelemetryApp.#onConnect,
      onMessage: TelemetryApp.#onMessage,
      onError: TelemetryApp.#onClientError,
      onDisconnect: options.onDisconnect,
    };
    this.client = options.createClient ? options.createClient(clientOptions) : new MqttClient(clientOptions);
  }

  static #onConnect(this: CallbackThis, info: ConnectInfo): void {
    (this.target as TelemetryApp).#connected(info);
  }

  static #onMessage(this: CallbackThis, topic: string, payload: Uint8Array): void {
    (this.target as TelemetryApp).#message(topic, payload);
  }

  static #onClientError(this: CallbackThis, error: Error): void {
    (this.target as TelemetryApp).#clientError(error);
  }

  get config(): AppConfig {
    return this.#config;
  }

  get counters(): StatusCounters {
    return {
      drops: this.outbox.drops,
      faults: this.#faults,
      pending: this.outbox.count,
      estimatedTimes: this.#stamper.estimatedTimes,
      discarded: this.#discarded,
      persistentFailures: this.#persistentFailures,
      damaged: this.outbox.damaged,
    };
  }

  /** Subscribes to the config topic, connects, and starts sampling. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    // Queued until the connection is up; the client re-subscribes after a lost session itself.
    this.client.subscribe({ topicFilter: this.topics.config, qos: 1 }, undefined, (error, codes) => {
      if (error) {
        if ((error as { code?: string }).code !== "client-closed") this.#error(error);
      } else if (codes[0] >= 0x80) this.#error(new ClientError("invalid-argument", `subscription to ${this.topics.config} refused`, codes[0]));
    });
    this.client.connect();
    this.#schedule("hr");
    this.#schedule("temp");
  }

  /** Takes one reading from the polled source now (the timers call this; exposed for tests and for
   *  on-demand readings). */
  sample(kind: ReadingKind): void {
    const source = this.#options.sensors[kind];
    if (!source || this.#closed) return;
    let value: number | undefined;
    try {
      value = source();
    } catch (error) {
      this.#faults++;
      this.#error(asError(error));
      return;
    }
    if (value !== undefined) this.#take(kind, value, this.#clock.ticks());
  }

  /**
   * A pushed reading (VitalSink), kept unless one of its kind was kept less than the kind's interval
   * before it: the interval is "at most one reading per interval", so a source that makes a reading every
   * 2 s with hrIntervalMs 5000 has every third one kept. Nothing before start() or after close(). Never
   * throws: the source is the sensor loop.
   */
  offer(kind: ReadingKind, value: number, ticks: number): void {
    if (!this.#started || this.#closed) return;
    if (ticks - this.#lastOffer[kind] < this.#interval(kind) - OFFER_TOLERANCE_MS) return;
    try {
      if (this.#take(kind, value, ticks)) this.#lastOffer[kind] = ticks;
    } catch (error) {
      this.#error(asError(error));
    }
  }

  /** Stops sampling, releases timers and closes the client. Stored readings stay in the outbox. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const kind of ["hr", "temp"] as const) this.#unschedule(kind);
    this.#batcher.close();
    this.client.close();
  }

  // ---- sampling -----------------------------------------------------------------------------------

  /** Stores a reading taken at `ticks` (outbox first), alarms on it and hands it to the batcher; false when
   *  it was refused (implausible, or the outbox failed). */
  #take(kind: ReadingKind, raw: number, ticks: number): boolean {
    if (!isPlausible(kind, raw)) {
      this.#faults++;
      return false;
    }
    const value = atResolution(kind, raw);
    const reading: Reading = { kind, value, ticks };
    const wall = knownWallTime(this.#clock);
    if (wall !== undefined) reading.time = wallTimeAt(ticks, this.#clock.ticks(), wall);
    let seq: number;
    try {
      seq = this.outbox.append(readingRecord(reading)); // durable before anything is published
    } catch (error) {
      this.#error(asError(error));
      return false;
    }
    const alert = this.#alarms.update(kind, value);
    if (alert) this.#publish(this.topics.alerts, alertDocument(alert, seq, reading.time), { qos: 1 });
    this.#batcher.add(seq, ticks);
    // Released readings that could not go yet (clock unset, client queue full, refused) retry now.
    this.#send();
    return true;
  }

  #interval(kind: ReadingKind): number {
    return kind === "hr" ? this.#config.hrIntervalMs : this.#config.tempIntervalMs;
  }

  #schedule(kind: ReadingKind): void {
    this.#unschedule(kind);
    if (!this.#options.sensors[kind] || this.#closed) return;
    this.#timers[kind] = this.#clock.set(() => {
      this.#timers[kind] = undefined;
      this.#schedule(kind); // first, so nothing a sample throws can stop the sampling
      try {
        this.sample(kind);
      } catch (error) {
        this.#error(asError(error));
      }
    }, this.#interval(kind));
  }

  #unschedule(kind: ReadingKind): void {
    const timer = this.#timers[kind];
    if (timer !== undefined) this.#clock.clear(timer);
    this.#timers[kind] = undefined;
  }

  // ---- sending ------------------------------------------------------------------------------------

  #release(seq: number): void {
    if (seq > this.#released) this.#released = seq;
    this.#send();
  }

  /** Hands released, stored readings that the client does not hold yet to the client, in batches. */
  #send(): void {
    const window = this.#options.batchesInFlight ?? 4;
    while (!this.#closed && this.client.connected && this.#batchesInClient < window) {
      const chunk = this.#nextChunk();
      if (chunk.length === 0) return;
      const readings: StampedReading[] = [];
      for (const r of chunk) {
        const reading = recordReading(r.payload);
        const time = this.#stamper.timeOf(reading, r.seq);
        if (time === undefined) return; // clock not set yet: SenML needs absolute times; try again later
        readings.push({ seq: r.seq, kind: reading.kind, value: reading.value, time });
      }
      const payload = encodeTelemetry(this.#baseName, readings, this.#config.format);
      const seqs = chunk.map((r) => r.seq);
      // MQTT 5.0 sections 3.3.2.3.9 (Content Type) and 3.3.2.3.2: Payload Format Indicator 1 marks UTF-8 text
      // (JSON); an absent one means unspecified bytes, so CBOR sends none (0 would cost 2 bytes for the
      // default). A 3.1.1 encoder leaves properties out.
      const options: PublishOptions = {
        qos: 1,
        properties: this.#config.format === "json" ? { contentType: payload.contentType, payloadFormatIndicator: 1 } : { contentType: payload.contentType },
      };
      if (!this.#publish(this.topics.telemetry, payload.bytes, options, (error) => this.#completed(seqs, error))) return;
      for (const seq of seqs) this.#inClient.add(seq);
      this.#batchesInClient++;
      this.#cursor = Math.max(this.#cursor, seqs[seqs.length - 1]);
    }
  }

  /** The next batch: released records after the cursor that the client does not hold, oldest first. */
  #nextChunk(): StoredRecord[] {
    const chunk: StoredRecord[] = [];
    // Nothing released past the cursor (every sample between releases): no need to page the outbox.
    if (this.#cursor >= this.#released) return chunk;
    let after = this.#cursor;
    for (;;) {
      const page = this.outbox.read(after, this.#chunk);
      if (page.length === 0) return chunk;
      for (let i = 0; i < page.length; i++) {
        const seq = page.seq(i);
        if (seq > this.#released) return chunk;
        after = seq;
        if (this.#inClient.has(seq)) continue;
        chunk.push({ seq, payload: page.payload(i).slice() });
        if (chunk.length === this.#chunk) return chunk;
      }
    }
  }

  /** The client finished with a batch: acknowledged (remove from the outbox) or refused (take it back). */
  #completed(seqs: number[], error: Error | undefined): void {
    for (const seq of seqs) this.#inClient.delete(seq);
    this.#batchesInClient--;
    if (this.#closed) return;
    if (!error) {
      for (const [first, last] of runs(seqs)) this.outbox.ack(first, last);
      this.#publishStatus(false);
      this.#send();
      return;
    }
    const code = (error as { code?: string }).code;
    if (code === "client-closed") return;
    this.#cursor = Math.min(this.#cursor, seqs[0] - 1); // these go again (or are discarded below)
    if (code === "packet-too-large" && seqs.length > 1) {
      // Over the server's Maximum Packet Size (MQTT 5.0 section 3.2.2.3.6): smaller batches from now on.
      this.#chunk = Math.max(1, Math.floor(seqs.length / 2));
      this.#send();
      return;
    }
    if (code === "packet-too-large") {
      // One reading that can never fit: keeping it would block the outbox forever.
      for (const [first, last] of runs(seqs)) this.#discarded += this.outbox.ack(first, last);
    }
    // A refusal (e.g. not authorised, quota exceeded): the readings stay stored and go again with the
    // next batch, so a temporary refusal loses nothing; a permanent one ends in outbox drops.
    this.#error(error);
  }

  #publish(topic: string, payload: Uint8Array | string, options: PublishOptions, done?: (error?: Error) => void): boolean {
    try {
      this.client.publish(topic, payload, options, done);
      return true;
    } catch (error) {
      // QueueFullError: the client holds its limit; the readings stay in the outbox for the next round.
      if (!(error instanceof QueueFullError)) this.#error(asError(error));
      return false;
    }
  }

  #publishStatus(force: boolean): void {
    if (!this.client.connected) return;
    const counters = this.counters;
    const key = `${counters.drops}/${counters.faults}/${counters.estimatedTimes}/${counters.discarded}/${counters.persistentFailures}/${counters.damaged}`;
    if (!force && key === this.#lastStatus) return;
    this.#lastStatus = key;
    this.#publish(this.topics.status, onlineStatus(counters), { qos: 1, retain: true });
  }

  // ---- connection and configuration ---------------------------------------------------------------

  #connected(info: ConnectInfo): void {
    this.#publishStatus(true);
    // Whatever waited for the connection goes now, in batches.
    this.#batcher.flush();
    this.#send();
    this.#options.onConnect?.(info);
  }

  #message(topic: string, payload: Uint8Array): void {
    if (topic !== this.topics.config) return;
    if (payload.length === 0) return; // a cleared retained config (MQTT 3.3.1.3): nothing to apply
    const result = parseConfigUpdate(this.#config, payload);
    if (!result.ok) {
      this.#publish(this.topics.configRejected, rejectionDocument(result.error), { qos: 1 });
      this.#error(result.error);
      return;
    }
    this.#apply(result.config);
    try {
      this.#options.storage.write(CONFIG_FILE, encodeUtf8(JSON.stringify(result.config)));
    } catch (error) {
      this.#error(asError(error));
    }
  }

  /** A config message too large to read was skipped (and acknowledged) by the client: say so. A persistent
   *  failure is counted for the status. */
  #clientError(error: Error): void {
    if (error instanceof PersistentFailureError) this.#persistentFailures++;
    if (error instanceof MessageTooLargeError && error.topic === this.topics.config) {
      const refusal = new ConfigError("too-large", `a configuration of ${error.size} bytes exceeds the device's limit of ${error.limit} bytes (MQTT packet)`);
      this.#publish(this.topics.configRejected, rejectionDocument(refusal, error.limit), { qos: 1 });
    }
    this.#error(error);
  }

  #apply(config: AppConfig): void {
    const intervalsChanged = config.hrIntervalMs !== this.#config.hrIntervalMs || config.tempIntervalMs !== this.#config.tempIntervalMs;
    this.#config = config;
    this.#chunk = config.batchMaxReadings;
    this.#alarms.configure(config.thresholds);
    if (this.#started && intervalsChanged) {
      this.#schedule("hr");
      this.#schedule("temp");
    }
    this.#batcher.configure({ maxReadings: config.batchMaxReadings, maxAgeMs: config.batchMaxAgeMs });
    this.#options.onConfig?.(config);
  }

  #loadStoredConfig(initial: AppConfig): AppConfig {
    const stored = this.#options.storage.read(CONFIG_FILE);
    if (stored === undefined) return initial;
    const result = parseConfigUpdate(initial, new Uint8Array(stored));
    if (!result.ok) {
      // A torn or outdated file: the start-up configuration stands, and we say why.
      this.#error(result.error);
      return initial;
    }
    this.#options.onConfig?.(result.config);
    return result.config;
  }

  #error(error: Error): void {
    this.#options.onError?.(error);
  }
}

function readingRecord(reading: Reading): Uint8Array {
  const record = new Uint8Array(READING_RECORD_BYTES);
  record.set(encodeReading(reading));
  return record;
}

/** The reading in a record: its flags byte (bit 0) says whether the time is there. */
function recordReading(record: Uint8Array): Reading {
  return decodeReading(record.subarray(0, record[1] & 1 ? 26 : 18));
}

/** Consecutive runs of sorted sequence numbers, as [first, last] pairs (one Ack frame each). */
function runs(seqs: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const seq of seqs) {
    const last = out[out.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

