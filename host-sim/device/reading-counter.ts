// Counts readings through the MQTT client the app uses: how many went into telemetry PUBLISHes and how
// many of those the broker acknowledged (PUBACK, MQTT 3.3.4). It decorates the client the app builds
// (TelemetryAppOptions.createClient), so the app itself runs unchanged.
import type { MqttClientOptions, PublishOptions, SubscribeCallback } from "../../firmware/mqtt/client/options.js";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import type { Subscription } from "../../firmware/mqtt/codec/packets.js";
import type { TelemetryClient } from "../../firmware/telemetry/app.js";
import { resolveSeqs } from "../senml-seq.js";

export interface ReadingCounts {
  /** Readings handed to the client in telemetry PUBLISHes (a resend after a reconnect counts once). */
  published: number;
  /** Readings in PUBLISHes the broker acknowledged. */
  acknowledged: number;
  /** Highest reading sequence number acknowledged (JSON payloads; 0 when none or CBOR). */
  lastSeq: number;
}

/** Readings in a SenML pack (the length of the top-level array) and, for JSON, the highest "seq". */
export function packInfo(payload: Uint8Array | string): { readings: number; lastSeq: number } {
  if (typeof payload === "string" || payload[0] === 0x5b /* "[" */) {
    const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
    const pack: unknown = JSON.parse(text);
    if (!Array.isArray(pack)) return { readings: 0, lastSeq: 0 };
    const seqs = pack.length > 0 ? resolveSeqs(pack as { seq?: unknown }[]) : [];
    return { readings: pack.length, lastSeq: Math.max(0, ...seqs) };
  }
  // CBOR major type 4 (array, RFC 8949 section 3.1): the count is in the head.
  const head = payload[0];
  const info = head & 0x1f;
  let readings = 0;
  if (head >> 5 === 4) readings = info < 24 ? info : info === 24 ? payload[1] : info === 25 ? (payload[1] << 8) | payload[2] : 0;
  return { readings, lastSeq: 0 };
}

export class CountingClient implements TelemetryClient {
  readonly counts: ReadingCounts = { published: 0, acknowledged: 0, lastSeq: 0 };
  readonly inner: MqttClient;
  #telemetryTopic: string;
  #onAcknowledged: () => void;

  constructor(options: MqttClientOptions, telemetryTopic: string, onAcknowledged: () => void) {
    this.inner = new MqttClient(options);
    this.#telemetryTopic = telemetryTopic;
    this.#onAcknowledged = onAcknowledged;
  }

  get connected(): boolean {
    return this.inner.connected;
  }

  get queued(): number {
    return this.inner.queued;
  }

  get inflight(): number {
    return this.inner.inflight;
  }

  connect(): void {
    this.inner.connect();
  }

  disconnect(done?: (this: unknown) => void, target?: unknown): void {
    this.inner.disconnect(done, target);
  }

  networkChanged(available: boolean): void {
    this.inner.networkChanged(available);
  }

  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown): void {
    if (topic !== this.#telemetryTopic) return this.inner.publish(topic, payload, options, done, target);
    const { readings, lastSeq } = packInfo(payload);
    this.inner.publish(topic, payload, options, (error) => {
      if (!error) {
        this.counts.acknowledged += readings;
        this.counts.lastSeq = Math.max(this.counts.lastSeq, lastSeq);
      }
      done?.call(target, error);
      if (!error) this.#onAcknowledged();
    });
    // Counted once the client took it (publish throws QueueFullError otherwise).
    this.counts.published += readings;
  }

  subscribe(subscriptions: string | Subscription | Subscription[], options?: undefined, done?: SubscribeCallback): void {
    this.inner.subscribe(subscriptions, options, done);
  }

  reconnect(): void {
    this.inner.reconnect();
  }

  unsubscribe(topicFilters: string[]): void {
    this.inner.unsubscribe(topicFilters);
  }

  close(): void {
    this.inner.close();
  }
}
