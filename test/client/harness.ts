// Shared test plumbing: a client wired to recorders, a way to await what it reports, and the per-test fixtures
// (a scripted broker with its clients, client pools for real brokers, MQTT.js ingest peers).
import type mqtt from "mqtt";
import { connectIngest } from "../../support/ingest.js";
import { afterEach, beforeEach } from "vitest";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import type { ConnectInfo, MqttClientOptions } from "../../firmware/mqtt/client/options.js";
import type { Publish } from "../../firmware/mqtt/codec/packets.js";
import type { Clock } from "../../firmware/platform/ports.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import type { TestPki } from "../../support/certs.js";
import { FakeBroker, type FakeConnection } from "../support/fake-broker.js";

export interface Recorded {
  connects: ConnectInfo[];
  disconnects: Error[];
  errors: Error[];
  messages: { topic: string; payload: Uint8Array; packet: Publish }[];
  closed: number;
}

export interface Harness {
  client: MqttClient;
  seen: Recorded;
  /** Resolves when `check` returns true (evaluated after every event and on a short poll). */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

/** Lets the event loop run a while, so "nothing happened" is checked after anything could have. */
export const settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 50));

export type ClientOptions = Partial<MqttClientOptions> & { port?: number; clock?: Clock };

export function makeClient(options: ClientOptions): Harness {
  const seen: Recorded = { connects: [], disconnects: [], errors: [], messages: [], closed: 0 };
  const client = new MqttClient({
    Socket: NodeSocket,
    clock: new NodeClock(),
    random: () => 0.5,
    brokers: [{ host: "127.0.0.1", port: options.port ?? 1883 }],
    clientId: "test-client",
    backoff: { base: 20, cap: 200 },
    ...options,
    // Methods, so the test's own callbacks get the `this` the client gives (its options, with `target`).
    onConnect(info) {
      seen.connects.push(info);
      options.onConnect?.call(this, info);
    },
    onDisconnect(reason) {
      seen.disconnects.push(reason);
      options.onDisconnect?.call(this, reason);
    },
    onError(error) {
      seen.errors.push(error);
      options.onError?.call(this, error);
    },
    onMessage(topic, payload, packet) {
      seen.messages.push({ topic, payload, packet });
      options.onMessage?.call(this, topic, payload, packet);
    },
    onClose() {
      seen.closed++;
      options.onClose?.call(this);
    },
  });
  return { client, seen, until };
}

/** publish() with a Promise for its completion (tests only; the firmware uses callbacks). */
export function publishAsync(
  client: MqttClient,
  topic: string,
  payload: string | Uint8Array,
  options: Parameters<MqttClient["publish"]>[2],
): Promise<Error | undefined> {
  return new Promise((resolve) => client.publish(topic, payload, options, (error) => resolve(error)));
}

/** subscribe() with a Promise for its outcome: the error, if any, and the reason code per filter. */
export function subscribeAsync(
  client: MqttClient,
  subscriptions: Parameters<MqttClient["subscribe"]>[0],
): Promise<{ error?: Error; codes: number[] }> {
  return new Promise((resolve) => client.subscribe(subscriptions, undefined, (error, codes) => resolve({ error, codes })));
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8");

/**
 * The clients of one test file, each made over `defaults()` (read when the client is made, so it may name
 * a broker started in beforeAll); the file's afterEach calls closeAll() before stopping what they talk to.
 */
export class TestClients {
  private open: Harness[] = [];

  constructor(private readonly defaults: () => ClientOptions) {}

  /** A client, not started. */
  make(options: ClientOptions = {}): Harness {
    const h = makeClient({ ...this.defaults(), ...options });
    this.open.push(h);
    return h;
  }

  /** A client that has been told to connect. */
  start(options: ClientOptions = {}): Harness {
    const h = this.make(options);
    h.client.connect();
    return h;
  }

  closeAll(): void {
    for (const h of this.open.splice(0)) h.client.close();
  }
}

export interface FakeBrokerFixture {
  /** This test's scripted broker. */
  readonly broker: FakeBroker;
  /** Its clients (port preset), closed after each test before the broker. */
  readonly clients: TestClients;
  /** A started client whose CONNECT the broker accepted (with `connack` properties), once onConnect has run. */
  connected(options?: ClientOptions, connack?: Record<string, unknown>): Promise<{ h: Harness; c: FakeConnection }>;
}

/** A fresh FakeBroker for every test of the calling file, with its clients. */
export function useFakeBroker(defaults: ClientOptions = {}): FakeBrokerFixture {
  let broker: FakeBroker | undefined;
  const current = (): FakeBroker => {
    if (!broker) throw new Error("the fake broker runs only inside a test");
    return broker;
  };
  const clients = new TestClients(() => ({ port: current().port, ...defaults }));
  beforeEach(async () => {
    broker = await FakeBroker.start();
  });
  afterEach(async () => {
    clients.closeAll();
    await broker?.close();
    broker = undefined;
  });
  return {
    get broker() {
      return current();
    },
    clients,
    async connected(options = {}, connack) {
      const h = clients.start(options);
      const c = await current().nextConnection();
      await c.accept(false, connack);
      await until(() => h.seen.connects.length === 1, "connected");
      return { h, c };
    },
  };
}

/**
 * MQTT.js clients with the ingest identity: the independent subscriber and publisher beside our client on
 * a real TLS broker. `where()` is read on connect, so it may name a broker started in beforeAll.
 */
export class IngestPeers {
  private open: mqtt.MqttClient[] = [];

  constructor(private readonly where: () => { pki: TestPki; port: number }) {}

  async connect(options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const { pki, port } = this.where();
    const p = await connectIngest(pki, port, options);
    this.open.push(p);
    return p;
  }

  async endAll(): Promise<void> {
    for (const p of this.open.splice(0)) await p.endAsync(true);
  }
}
