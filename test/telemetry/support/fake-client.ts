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
  /** A QoS 1/2 publish not completed yet. */
  pending: boolean;
}

export class FakeClient implements TelemetryClient {
  connected = false;
  connectCalls = 0;
  disconnectCalls = 0;
  closed = false;
  sent: SentMessage[] = [];
  subscriptions: Subscription[] = [];
  /** When set, publish() throws it (e.g. a QueueFullError). */
  failPublish: Error | undefined;
  constructor(readonly options: MqttClientOptions) {}

  connect(): void {
    this.connectCalls++;
  }
  readonly queued = 0;
  get inflight(): number {
    return this.sent.filter((m) => m.pending).length;
  }
  /** As MqttClient: the connection goes (here at once: the broker closed it), the session stays. */
  disconnect(done?: (this: unknown) => void, target?: unknown): void {
    this.disconnectCalls++;
    this.connected = false;
    done?.call(target);
  }
  /** What the app said of the network, in order. */
  network: boolean[] = [];
  networkChanged(available: boolean): void {
    this.network.push(available);
  }
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown): void {
    if (this.failPublish) throw this.failPublish;
    // As MqttClient: done is called with the publish's target as `this`, once.
    const message: SentMessage = { topic, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload, options, done: undefined, pending: true };
    message.done = (error?: Error) => {
      if (!message.pending) return;
      message.pending = false;
      done?.call(target, error);
    };
    this.sent.push(message);
    if (options?.qos === 0 || options?.qos === undefined) message.done();
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
