// The uplink: stored readings -> batches -> SenML -> MQTT QoS 1 -> PUBACK -> acknowledged in the outbox.
//
// The batcher decides when readings go (count or age, batcher.ts); the readings themselves wait in the
// outbox and are read back by range, a page at a time, when a batch is made, so RAM does not grow with what
// waits. A batch is a run of consecutive stored readings: all with their true time (SenML with base time),
// or all of an earlier boot whose time can never be known (SenML with the must-understand "boot_" label,
// payload.ts). Readings of this boot taken before the clock was set wait until it is: never sent with a
// wrong time.
//
// At most `batchesInFlight` batches are in the client at once (each one a slot made at start, with its own
// completion function: no closure per batch). The client keeps what it was given across reconnects and
// resends it (MQTT 4.4), so each reading is handed to the client once per boot; a reboot replays the outbox
// from its start, and a refusal makes the uplink take the batch back.
import type { Clock } from "../platform/ports.js";
import type { PublishOptions, SubscribeCallback } from "../mqtt/client/options.js";
import { ClientError, QueueFullError } from "../mqtt/client/client-errors.js";
import type { Subscription } from "../mqtt/codec/packets.js";
import { asError } from "../mqtt/common/as-error.js";
import { Batcher } from "./batcher.js";
import type { AppConfig } from "./config.js";
import type { DeviceTopics } from "./device-topics.js";
import type { Outbox } from "./outbox.js";
import { encodeTelemetry, encodeUntimed, type StampedReading, type UntimedReading } from "./payload.js";
import { decodeReading, ReadingFormatError, type StoredReading } from "./reading.js";
import type { ReadingTimes } from "./reading-time.js";

/** What the uplink needs of the MQTT client (MqttClient satisfies it; tests may pass a fake). */
export interface TelemetryClient {
  readonly connected: boolean;
  /** Messages waiting to be sent, and QoS 1/2 messages sent and not yet acknowledged. */
  readonly queued: number;
  readonly inflight: number;
  connect(): void;
  /** Ends the connection in hand, the session kept, until connect() (MqttClient.disconnect). */
  disconnect(done?: (this: unknown) => void, target?: unknown): void;
  networkChanged(available: boolean): void;
  /** `done` is called with `target` as `this` (MqttClient.publish). */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown): void;
  subscribe(subscriptions: string | Subscription | Subscription[], options?: undefined, done?: SubscribeCallback): void;
  unsubscribe(topicFilters: string[]): void;
  /** A new connection now, e.g. with renewed credentials (MqttClient.reconnect). */
  reconnect(): void;
  close(): void;
}

/** Publishing for the other jobs (status, alerts, config refusals): false when the client's queue is full. */
export interface Publisher {
  readonly connected: boolean;
  publish(topic: string, payload: Uint8Array | string, options: PublishOptions): boolean;
}

/** What the uplink tells the app. */
export interface UplinkOwner {
  /** Readings were acknowledged (the status may have changed). */
  delivered(): void;
  /** Readings that can never be sent (a single one larger than the server takes) were dropped. */
  discarded(count: number): void;
  /** Readings of an earlier boot went without a true time. */
  untimed(count: number): void;
  /** A message of the other jobs (status, alert, refusal) was acknowledged. */
  acked(): void;
  error(error: Error): void;
}

export interface UplinkOptions {
  clock: Clock;
  topics: DeviceTopics;
  baseName: string;
  outbox: Outbox;
  times: ReadingTimes;
  config: AppConfig;
  client: TelemetryClient;
  owner: UplinkOwner;
  /** Batches handed to the client and not yet acknowledged, at most (default 4). */
  batchesInFlight?: number;
  /** Scratch space for one decoded reading. */
  reading: StoredReading;
}

/** One batch in the client: readings first..last (those of them still stored). Completed through one shared
 *  function that gets the batch as `this` (no closure per batch). */
class Batch {
  first = 0;
  last = 0;
  /** Readings in it; 0 while the slot is free. */
  count = 0;
  constructor(readonly uplink: Uplink) {}
}

function released(this: unknown, last: number): void {
  (this as Uplink).released(last);
}

function acked(this: unknown): void {
  (this as UplinkOwner).acked();
}

function batchDone(this: unknown, error?: Error): void {
  const batch = this as Batch;
  batch.uplink.completed(batch, error);
}

const Run = { Timed: 0, Untimed: 1 } as const;

export class Uplink implements Publisher {
  readonly client: TelemetryClient;
  readonly #owner: UplinkOwner;
  readonly #topic: string;
  readonly #baseName: string;
  readonly #outbox: Outbox;
  readonly #times: ReadingTimes;
  readonly #batcher: Batcher<number>;
  readonly #batches: Batch[] = [];
  /** Decoded into, one reading at a time (the app's: nothing else uses it while a batch is made). */
  readonly #reading: StoredReading;
  #config: AppConfig;
  /** Readings up to here were handed to the client (or are gone); moved back when a batch comes back. */
  #cursor = 0;
  /** Highest seq released for sending (readings from before the boot are released at once). */
  #released: number;
  /** Readings per PUBLISH; halves when the broker's Maximum Packet Size refuses a batch. */
  #chunk: number;
  #closed = false;

  constructor(options: UplinkOptions) {
    this.#owner = options.owner;
    this.#topic = options.topics.telemetry;
    this.#baseName = options.baseName;
    this.#outbox = options.outbox;
    this.#times = options.times;
    this.#config = options.config;
    this.#reading = options.reading;
    this.client = options.client;
    this.#chunk = options.config.batchMaxReadings;
    this.#released = options.outbox.bootSeq - 1;
    for (let i = 0; i < (options.batchesInFlight ?? 4); i++) this.#batches.push(new Batch(this));
    this.#batcher = new Batcher<number>({
      clock: options.clock,
      maxReadings: options.config.batchMaxReadings,
      maxAgeMs: options.config.batchMaxAgeMs,
      target: this,
      onFlush: released,
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Nothing released waits to be handed to the client, and no batch is in it. */
  get idle(): boolean {
    if (this.#cursor < this.#released) return false;
    for (const b of this.#batches) if (b.count > 0) return false;
    return true;
  }

  /** Everything stored goes now (an urgent reading, or before sleeping). */
  flush(): void {
    this.#batcher.flush();
  }

  configure(config: AppConfig): void {
    this.#config = config;
    this.#chunk = config.batchMaxReadings;
    this.#batcher.configure({ maxReadings: config.batchMaxReadings, maxAgeMs: config.batchMaxAgeMs });
  }

  /** A reading was stored as `seq`, taken at `ticks`: it joins the batch, and what waited may go now. */
  stored(seq: number, ticks: number): void {
    this.#batcher.add(seq, ticks);
    this.send(); // readings released earlier that could not go yet (clock unset, queue full) retry now
  }

  /** The connection came up (after the status went): whatever waited goes now, in batches. */
  connectionUp(): void {
    this.#batcher.flush();
    this.send();
  }

  publish(topic: string, payload: Uint8Array | string, options: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown): boolean {
    try {
      // The other jobs' messages tell the owner when they are acknowledged (the upload schedule waits for them).
      if (done === undefined) this.client.publish(topic, payload, options, acked, this.#owner);
      else this.client.publish(topic, payload, options, done, target);
      return true;
    } catch (error) {
      // QueueFullError: the client holds its limit; stored readings stay in the outbox for the next round.
      if (!(error instanceof QueueFullError)) this.#owner.error(asError(error));
      return false;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batcher.close();
    this.client.close();
  }

  /** Hands released, stored readings the client does not hold yet to the client, in batches. */
  send(): void {
    for (;;) {
      if (this.#closed || !this.client.connected) return;
      const batch = this.freeBatch();
      if (!batch || !this.sendBatch(batch)) return;
    }
  }

  /** The client finished with a batch: acknowledged (removed from the outbox) or refused (taken back). */
  completed(batch: Batch, error: Error | undefined): void {
    const count = batch.count;
    batch.count = 0;
    if (this.#closed) return;
    const owner = this.#owner;
    if (!error) {
      this.#outbox.ack(batch.first, batch.last);
      owner.delivered();
      this.send();
      return;
    }
    if (error instanceof ClientError && error.code === "client-closed") return;
    this.#cursor = Math.min(this.#cursor, batch.first - 1); // these go again (or are discarded below)
    if (error instanceof ClientError && error.code === "packet-too-large") {
      if (count > 1) {
        // Over the server's Maximum Packet Size (MQTT 5.0 section 3.2.2.3.6): smaller batches from now on.
        this.#chunk = Math.max(1, Math.floor(count / 2));
        this.send();
        return;
      }
      // One reading that can never fit: keeping it would block the outbox forever.
      owner.discarded(this.#outbox.ack(batch.first, batch.last));
    }
    // A refusal (e.g. not authorised, quota exceeded): the readings stay stored and go again with the next
    // batch, so a temporary refusal loses nothing; a permanent one ends in outbox drops.
    owner.error(error);
  }

  /** The batcher released everything up to `seq` (the batcher calls this). */
  released(seq: number): void {
    if (seq > this.#released) this.#released = seq;
    this.send();
  }

  private freeBatch(): Batch | undefined {
    for (const b of this.#batches) if (b.count === 0) return b;
    return undefined;
  }

  /** Whether the client holds reading `seq` in a batch. */
  private held(seq: number): boolean {
    for (const b of this.#batches) if (b.count > 0 && seq >= b.first && seq <= b.last) return true;
    return false;
  }

  /** Makes and publishes the next batch into `batch`; false when there is nothing (more) to send now. */
  private sendBatch(batch: Batch): boolean {
    if (this.#cursor >= this.#released) return false; // nothing released past the cursor
    const timed: StampedReading[] = [];
    const untimed: UntimedReading[] = [];
    let run: number | undefined;
    let after = this.#cursor;
    let last = after;
    collect: while (timed.length + untimed.length < this.#chunk) {
      const page = this.#outbox.read(after, this.#chunk - timed.length - untimed.length);
      if (page.length === 0) break;
      for (let i = 0; i < page.length; i++) {
        const seq = page.seq(i);
        if (seq > this.#released) break collect;
        after = seq;
        if (this.held(seq)) {
          if (timed.length + untimed.length > 0) break collect; // a batch is a run the client does not hold
          last = seq;
          continue;
        }
        let r: StoredReading;
        try {
          r = decodeReading(page.payload(i), this.#reading);
        } catch (error) {
          if (!(error instanceof ReadingFormatError)) throw error;
          // Not a reading this firmware can read (its CRC checked out: written by another format): it can
          // never be sent, so it must not block the ones behind it.
          this.#owner.discarded(this.#outbox.ack(seq, seq));
          this.#owner.error(error);
          continue;
        }
        const time = this.#times.timeOf(r);
        const kind = time !== undefined ? Run.Timed : this.#times.lost(r) ? Run.Untimed : undefined;
        if (kind === undefined || (run !== undefined && kind !== run)) break collect; // wait for the clock, or end the run
        run = kind;
        if (kind === Run.Timed) timed.push({ seq, kind: r.kind, value: r.value, time: time as number });
        else untimed.push({ seq, kind: r.kind, value: r.value, boot: r.boot, ticks: r.ticks });
        last = seq;
      }
    }
    const count = timed.length + untimed.length;
    if (count === 0) {
      this.#cursor = Math.max(this.#cursor, last);
      return false;
    }
    const format = this.#config.format;
    const baseName = this.#baseName;
    const payload = run === Run.Timed ? encodeTelemetry(baseName, timed, format) : encodeUntimed(baseName, untimed, format);
    // MQTT 5.0 sections 3.3.2.3.9 (Content Type) and 3.3.2.3.2: Payload Format Indicator 1 marks UTF-8 text
    // (JSON); an absent one means unspecified bytes, so CBOR sends none (0 would cost 2 bytes for the
    // default). A 3.1.1 encoder leaves properties out.
    const options: PublishOptions = {
      qos: 1,
      properties: format === "json" ? { contentType: payload.contentType, payloadFormatIndicator: 1 } : { contentType: payload.contentType },
    };
    const first = timed.length > 0 ? timed[0].seq : untimed[0].seq;
    batch.first = first;
    batch.last = last;
    batch.count = count;
    if (!this.publish(this.#topic, payload.bytes, options, batchDone, batch)) {
      batch.count = 0;
      return false;
    }
    if (run === Run.Untimed) this.#owner.untimed(count);
    this.#cursor = Math.max(this.#cursor, last);
    return true;
  }
}
