// A stand-in for MqttClient in app unit tests: records what the app asks for and lets the test decide
// when the connection is up and when each QoS 1 publish completes.
import type { ConnectInfo, MqttClientOptions, PublishOptions, SubscribeCallback } from "../../../firmware/mqtt/client/options.js";
import type { Subscription } from "../../../firmware/mqtt/codec/packets.js";
import type { TelemetryClient } from "../../../firmware/telemetry/app.js";

export interface SentMessage {
  topic: string;
  payload: Uint8Array;
  options: PublishOptions | undefined;
  done: ((error?: Error) => void) | undefined;
}

export class FakeClient implements TelemetryClient {
  connected = false;
  connectCalls = 0;
  closed = false;
  sent: SentMessage[] = [];
  subscriptions: Subscription[] = [];
  /** When set, publish() throws it (e.g. a QueueFullError). */
  failPublish: Error | undefined;
  constructor(readonly options: MqttClientOptions) {}

  connect(): void {
    this.connectCalls++;
  }
  /** What the app said of the network, in order. */
  network: boolean[] = [];
  networkChanged(available: boolean): void {
    this.network.push(available);
  }
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown): void {
    if (this.failPublish) throw this.failPublish;
    // As MqttClient: done is called with the publish's target as `this`.
    const complete = done ? (error?: Error) => done.call(target, error) : undefined;
    this.sent.push({ topic, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload, options, done: complete });
    if (options?.qos === 0 || options?.qos === undefined) complete?.();
  }
  subscribe(subscriptions: string | Subscription | Subscription[], _options?: undefined, done?: SubscribeCallback): void {
    const list = typeof subscriptions === "string" ? [{ topicFilter: subscriptions, qos: 0 as const }] : Array.isArray(subscriptions) ? subscriptions : [subscriptions];
    this.subscriptions.push(...list);
    done?.(undefined, list.map((s) => s.qos));
  }
  unsubscribed: string[] = [];
  unsubscribe(topicFilters: string[]): void {
    this.unsubscribed.push(...topicFilters);
  }
  /** How many times the app asked for a new connection (reconnect()). */
  reconnects = 0;
  reconnect(): void {
    this.reconnects++;
    this.connected = false;
  }
  close(): void {
    this.closed = true;
    this.connected = false;
  }
  /** The broker accepted the connection. */
  up(sessionPresent = false): void {
    this.connected = true;
    const info: ConnectInfo = { broker: { host: "h", port: 1 }, sessionPresent, reasonCode: 0, properties: undefined, clientId: "x", keepAlive: 60 };
    this.options.onConnect?.(info);
  }
  down(): void {
    this.connected = false;
    this.options.onDisconnect?.(new Error("lost"));
  }
  deliver(topic: string, payload: string | Uint8Array): void {
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.options.onMessage?.(topic, bytes, { type: "publish", topic, payload: bytes, qos: 1, retain: false, dup: false });
  }
  on(topic: string): SentMessage[] {
    return this.sent.filter((m) => m.topic === topic);
  }
}
