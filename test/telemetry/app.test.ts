// The app's pipeline with a fake client: deterministic time (VirtualClock), storage in memory.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TelemetryApp, type TelemetryAppOptions } from "../../firmware/telemetry/app.js";
import { READING_BYTES } from "../../firmware/telemetry/reading.js";
import { SLOT_OVERHEAD } from "../../firmware/telemetry/outbox-slot.js";
import { ClientError, QueueFullError } from "../../firmware/mqtt/client/client-errors.js";
import type { SenmlRecord } from "../../firmware/telemetry/senml.js";
import type { AppConfig } from "../../firmware/telemetry/config.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { FakeClient } from "./support/fake-client.js";
import { storedSeqs } from "./support/outbox-contents.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { decodeCbor } from "../../support/cbor-decode.js";
import { resolveSeqs } from "../../host-sim/senml-seq.js";

const EPOCH = Date.UTC(2026, 10, 22, 1, 0, 0);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** A SenML JSON pack as sent, and with every record's seq resolved (it carries over, payload.ts). */
const raw = (b: Uint8Array) => JSON.parse(text(b)) as SenmlRecord[];
const pack = (b: Uint8Array) => {
  const records = raw(b);
  const seqs = resolveSeqs(records);
  return records.map((r, i) => ({ ...r, seq: seqs[i] }));
};

interface Rig {
  app: TelemetryApp;
  client: FakeClient;
  clock: VirtualClock;
  storage: MemoryStorage;
  errors: Error[];
  hr: { value: number | undefined };
  temp: { value: number | undefined };
}

function rig(overrides: Partial<TelemetryAppOptions> & { storage?: MemoryStorage; clock?: VirtualClock } = {}): Rig {
  const clock = overrides.clock ?? new VirtualClock(EPOCH, 1000);
  const storage = overrides.storage ?? new MemoryStorage();
  const errors: Error[] = [];
  const hr = { value: 72 as number | undefined };
  const temp = { value: 36.5 as number | undefined };
  let client: FakeClient | undefined;
  const app = new TelemetryApp({
    deviceId: "wearable-001",
    clock,
    storage,
    sensors: { hr: () => hr.value, temp: () => temp.value },
    mqtt: { Socket: NodeSocket, clock, brokers: [{ host: "localhost", port: 1 }] },
    config: { batchMaxReadings: 3, batchMaxAgeMs: 10_000, hrIntervalMs: 1000, tempIntervalMs: 5000 },
    createClient: (options) => (client = new FakeClient(options)),
    onError: (e) => errors.push(e),
    ...overrides,
  });
  return { app, client: client as FakeClient, clock, storage, errors, hr, temp };
}

const ack = (client: FakeClient, topic: string) => {
  for (const m of client.on(topic)) m.done?.();
};

describe("TelemetryApp", () => {
  it("sets the client up: client id = device id, retained 'offline' will, config subscription, connect", () => {
    const { app, client } = rig();
    app.start();
    expect(client.options.clientId).toBe("wearable-001");
    expect(client.options.will).toMatchObject({ topic: "devices/wearable-001/status", qos: 1, retain: true });
    expect(JSON.parse(text(client.options.will?.payload as Uint8Array))).toEqual({ state: "offline" });
    expect(client.subscriptions).toEqual([{ topicFilter: "devices/wearable-001/config", qos: 1 }]);
    expect(client.connectCalls).toBe(1);
    app.close();
    expect(client.closed).toBe(true);
  });

  it("puts every topic below a configured topic prefix", () => {
    const { app, client, clock } = rig({ topicPrefix: "ward-7/devices", config: { batchMaxReadings: 1, hrIntervalMs: 1000 } });
    app.start();
    client.up();
    clock.advance(1000);
    expect(client.options.will?.topic).toBe("ward-7/devices/wearable-001/status");
    expect(client.subscriptions).toEqual([{ topicFilter: "ward-7/devices/wearable-001/config", qos: 1 }]);
    expect(client.on("ward-7/devices/wearable-001/telemetry").length).toBeGreaterThan(0);
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    app.close();
  });

  it.each(["", "/devices", "devices/", "devices/+", "a/#"])("refuses the topic prefix %j at start-up, naming the field", (topicPrefix) => {
    expect(() => rig({ topicPrefix })).toThrow(expect.objectContaining({ name: "ConfigError", field: "topicPrefix" }));
  });

  it("publishes a retained 'online' status with its counters on connect", () => {
    const { app, client } = rig();
    app.start();
    client.up();
    const status = client.on("devices/wearable-001/status");
    expect(status).toHaveLength(1);
    expect(status[0].options).toMatchObject({ qos: 1, retain: true });
    expect(JSON.parse(text(status[0].payload))).toEqual({ state: "online", drops: 0, faults: 0, pending: 0, untimed: 0, discarded: 0, persistentFailures: 0, damaged: 0 });
  });

  it("stores each reading before publishing, batches by count, and removes readings only on PUBACK", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 72 } });
    app.start();
    client.up();
    clock.advance(2000);
    expect(app.outbox.count).toBe(2);
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    clock.advance(1000);
    const [batch] = client.on("devices/wearable-001/telemetry");
    expect(batch.options).toMatchObject({ qos: 1, properties: { contentType: "application/senml+json", payloadFormatIndicator: 1 } });
    expect(raw(batch.payload)).toEqual([
      { bn: "wearable-001/", bt: (EPOCH + 1000) / 1000, bu: "beat/min", n: "hr", v: 72, seq: 1 },
      { n: "hr", v: 72, t: 1 }, // seq 2 and 3: the previous + 1
      { n: "hr", v: 72, t: 2 },
    ]);
    expect(app.outbox.count).toBe(3);
    batch.done?.();
    expect(app.outbox.count).toBe(0);
  });

  it("sends a partial batch when its oldest reading reaches the maximum age", () => {
    const { app, client, clock } = rig({
      sensors: { temp: () => 36.6 },
      config: { batchMaxReadings: 3, batchMaxAgeMs: 7000, tempIntervalMs: 5000 },
    });
    app.start();
    client.up();
    clock.advance(5000); // first reading at +5 s
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    clock.advance(6999); // second at +10 s
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    clock.advance(1); // +12 s: the first is 7 s old
    const sent = client.on("devices/wearable-001/telemetry");
    expect(sent).toHaveLength(1);
    expect(pack(sent[0].payload).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("keeps readings while offline and sends them in order, in batches, once connected", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 80 } });
    app.start();
    clock.advance(7000);
    expect(app.outbox.count).toBe(7);
    client.up();
    const sent = client.on("devices/wearable-001/telemetry");
    expect(sent.map((m) => pack(m.payload).map((r) => r.seq))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    ack(client, "devices/wearable-001/telemetry");
    expect(app.outbox.count).toBe(0);
  });

  it("hands at most `batchesInFlight` batches to the client and sends the next as acknowledgements come back", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 80 }, batchesInFlight: 2 });
    app.start();
    clock.advance(12_000);
    client.up();
    const sent = () => client.on("devices/wearable-001/telemetry").map((m) => pack(m.payload).map((r) => r.seq));
    expect(sent()).toEqual([[1, 2, 3], [4, 5, 6]]);
    client.on("devices/wearable-001/telemetry")[1].done?.();
    expect(sent()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    client.on("devices/wearable-001/telemetry")[0].done?.();
    client.on("devices/wearable-001/telemetry")[2].done?.();
    expect(sent().slice(3)).toEqual([[10, 11, 12]]);
    expect(storedSeqs(app.outbox)).toEqual([10, 11, 12]);
  });

  it("hands each reading to the client once per boot: a reconnect does not resend (the client does)", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 80 } });
    app.start();
    client.up();
    clock.advance(3000);
    client.down();
    client.up(true);
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(1);
  });

  it("replays unacknowledged readings in order after a reboot, with their original sequence numbers", () => {
    const storage = new MemoryStorage();
    const clock = new VirtualClock(EPOCH, 1000);
    const first = rig({ storage, clock, sensors: { hr: () => 90 } });
    first.app.start();
    first.client.up();
    clock.advance(6000);
    const batches = first.client.on("devices/wearable-001/telemetry");
    expect(batches).toHaveLength(2);
    batches[0].done?.(); // seqs 1-3 acknowledged, 4-6 not
    first.app.close();
    const second = rig({ storage, clock, sensors: { hr: () => 91 } });
    expect(second.app.outbox.count).toBe(3);
    second.app.start();
    second.client.up();
    const replay = second.client.on("devices/wearable-001/telemetry");
    expect(replay.map((m) => pack(m.payload).map((r) => [r.seq, r.v]))).toEqual([[[4, 90], [5, 90], [6, 90]]]);
    clock.advance(1000);
    ack(second.client, "devices/wearable-001/telemetry");
    expect(second.app.outbox.count).toBe(1); // the new reading (seq 7) waits for its batch
    expect(storedSeqs(second.app.outbox)[0]).toBe(7);
  });

  it("records from start whatever the network: the client waits for it, readings are stored, and all go once it is there", () => {
    const { app, client, clock } = rig({ waitForNetwork: true, sensors: { hr: () => 75 } });
    app.start();
    expect(client.network).toEqual([false]); // told before connect(): no attempt without a network
    expect(client.connectCalls).toBe(1);
    clock.advance(10_000);
    expect(app.outbox.count).toBe(10);
    expect(client.sent).toHaveLength(0);
    app.networkChanged(true);
    expect(client.network).toEqual([false, true]);
    client.up();
    const batches = client.on("devices/wearable-001/telemetry");
    expect(batches.flatMap((m) => pack(m.payload).map((r) => r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    ack(client, "devices/wearable-001/telemetry");
    clock.advance(10_000);
    ack(client, "devices/wearable-001/telemetry");
    expect(app.outbox.count).toBeLessThanOrEqual(2);
  });

  it("readings of an earlier boot that never learned its clock go untimed (boot_ and t into that boot), counted; never with a wrong time", () => {
    const storage = new MemoryStorage();
    const early = new VirtualClock(null, 0);
    const first = rig({ storage, clock: early, sensors: { hr: () => 66 } });
    first.app.start();
    early.advance(3000); // three readings, clock never set, then the power goes
    first.app.close();
    const clock = new VirtualClock(EPOCH, 0);
    const second = rig({ storage, clock, sensors: { hr: () => 67 } });
    second.app.start();
    second.client.up();
    clock.advance(3000);
    const [untimed, timed] = second.client.on("devices/wearable-001/telemetry");
    const old = raw(untimed.payload);
    expect(old.map((r) => [r.boot_, r.t, r.v, r.bt])).toEqual([
      [1, 1, 66, undefined],
      [1, 2, 66, undefined],
      [1, 3, 66, undefined],
    ]);
    expect(pack(timed.payload).map((r) => [r.seq, r.v])).toEqual([[4, 67], [5, 67], [6, 67]]);
    expect(pack(timed.payload)[0].bt).toBe((EPOCH + 1000) / 1000);
    ack(second.client, "devices/wearable-001/telemetry");
    expect(second.app.counters.untimed).toBe(3);
  });

  it("stamps readings taken before the clock was set once SNTP sets it, and does not publish before", () => {
    const clock = new VirtualClock(null, 1000);
    const { app, client } = rig({ clock, sensors: { hr: () => 70 } });
    app.start();
    client.up();
    clock.advance(3000);
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    expect(app.outbox.count).toBe(3);
    clock.advance(500);
    clock.setWallTime(EPOCH + 500);
    clock.advance(500); // the next reading triggers another attempt
    const [batch] = client.on("devices/wearable-001/telemetry");
    const records = pack(batch.payload);
    expect(records[0].bt).toBe((EPOCH - 2000) / 1000); // sampled at ticks 2000, clock set to EPOCH + 500 at ticks 4500
    expect(records.map((r) => r.t ?? 0)).toEqual([0, 1, 2]);
  });

  it("publishes an alert at once, past the batching, when a vital enters a NEWS2 alarm band", () => {
    const { app, client, clock, hr } = rig({ sensors: { hr: () => hr.value } });
    app.start();
    client.up();
    clock.advance(1000);
    hr.value = 135;
    clock.advance(1000);
    const alerts = client.on("devices/wearable-001/alerts");
    expect(alerts).toHaveLength(1);
    expect(alerts[0].options).toMatchObject({ qos: 1 });
    expect(JSON.parse(text(alerts[0].payload))).toEqual({
      n: "hr", level: "high", v: 135, u: "beat/min", news2: 3, threshold: 131, seq: 2, t: (EPOCH + 2000) / 1000,
    });
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    clock.advance(1000);
    expect(client.on("devices/wearable-001/alerts")).toHaveLength(1);
    hr.value = 80;
    clock.advance(1000);
    expect(JSON.parse(text(client.on("devices/wearable-001/alerts")[1].payload)).level).toBe("normal");
  });

  it("counts implausible readings and sensor errors as faults and stores nothing for them", () => {
    let calls = 0;
    const { app, client, clock, errors } = rig({
      sensors: {
        hr: () => {
          calls++;
          if (calls === 2) throw new Error("bus error");
          return calls === 1 ? 300 : 70;
        },
      },
    });
    app.start();
    client.up();
    clock.advance(3000);
    expect(app.outbox.count).toBe(1);
    expect(app.counters.faults).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(["bus error"]);
  });

  it("applies a valid remote config (batch size, format, thresholds) and persists it for the next boot", () => {
    const storage = new MemoryStorage();
    const configs: AppConfig[] = [];
    const { app, client, clock } = rig({ storage, sensors: { hr: () => 100 }, onConfig: (c) => configs.push(c) });
    app.start();
    client.up();
    client.deliver("devices/wearable-001/config", '{"batchMaxReadings":2,"format":"cbor","thresholds":{"hrHigh":100}}');
    expect(app.config).toMatchObject({ batchMaxReadings: 2, format: "cbor", thresholds: { hrHigh: 100 } });
    expect(configs).toHaveLength(1);
    clock.advance(2000);
    const [batch] = client.on("devices/wearable-001/telemetry");
    // Binary payload: no Payload Format Indicator (absent = unspecified bytes, MQTT 5.0 section 3.3.2.3.2).
    expect(batch.options?.properties).toEqual({ contentType: "application/senml+cbor" });
    const decoded = decodeCbor(batch.payload).value as Map<unknown, unknown>[];
    expect(decoded.map((m) => m.get("seq"))).toEqual([1, undefined]);
    expect(resolveSeqs(decoded)).toEqual([1, 2]);
    expect(client.on("devices/wearable-001/alerts")).toHaveLength(1);
    app.close();
    const next = rig({ storage });
    expect(next.app.config).toMatchObject({ batchMaxReadings: 2, format: "cbor" });
  });

  it("refuses an invalid config with a reason on config/rejected and keeps the old one", () => {
    const { app, client, errors } = rig();
    app.start();
    client.up();
    const before = app.config;
    client.deliver("devices/wearable-001/config", '{"hrIntervalMs":10}');
    expect(app.config).toBe(before);
    const [rejected] = client.on("devices/wearable-001/config/rejected");
    expect(JSON.parse(text(rejected.payload))).toMatchObject({ code: "out-of-range", field: "hrIntervalMs" });
    expect(errors[0]).toMatchObject({ code: "out-of-range", field: "hrIntervalMs" });
    client.deliver("devices/wearable-001/config", "");
    expect(client.on("devices/wearable-001/config/rejected")).toHaveLength(1);
  });

  it("re-arms the sampling timers when the intervals change", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 70 } });
    app.start();
    client.up();
    client.deliver("devices/wearable-001/config", '{"hrIntervalMs":4000}');
    clock.advance(3999);
    expect(app.outbox.count).toBe(0);
    clock.advance(1);
    expect(app.outbox.count).toBe(1);
  });

  it("halves the batch when the broker's maximum packet size refuses it, and discards a single reading that never fits", () => {
    const { app, client, clock, errors } = rig({ sensors: { hr: () => 70 } });
    app.start();
    clock.advance(4000);
    client.up();
    const first = client.on("devices/wearable-001/telemetry");
    expect(first.map((m) => pack(m.payload).length)).toEqual([3, 1]);
    first[0].done?.(new ClientError("packet-too-large", "too big"));
    const after = client.on("devices/wearable-001/telemetry").slice(2);
    expect(after.map((m) => pack(m.payload).map((r) => r.seq))).toEqual([[1], [2], [3]]);
    after[0].done?.(new ClientError("packet-too-large", "too big"));
    expect(app.counters.discarded).toBe(1);
    expect(storedSeqs(app.outbox)).toEqual([2, 3, 4]);
    expect(errors.some((e) => (e as ClientError).code === "packet-too-large")).toBe(true);
  });

  it("keeps refused readings stored and sends them again with the next batch", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 70 } });
    app.start();
    client.up();
    clock.advance(3000);
    client.on("devices/wearable-001/telemetry")[0].done?.(new ClientError("publish-refused", "quota", 0x97));
    expect(app.outbox.count).toBe(3);
    clock.advance(3000);
    const sent = client.on("devices/wearable-001/telemetry").slice(1);
    expect(sent.map((m) => pack(m.payload).map((r) => r.seq))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("leaves readings in the outbox when the client's queue is full, and retries later", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 70 } });
    app.start();
    client.up();
    client.failPublish = new QueueFullError("full");
    clock.advance(3000);
    expect(client.on("devices/wearable-001/telemetry")).toHaveLength(0);
    client.failPublish = undefined;
    clock.advance(3000);
    expect(client.on("devices/wearable-001/telemetry").map((m) => pack(m.payload).map((r) => r.seq))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("reports outbox drops in the status once they happen", () => {
    const { app, client, clock } = rig({ sensors: { hr: () => 70 }, outbox: { segmentRecords: 1, maxBytes: 5 * (SLOT_OVERHEAD + READING_BYTES) } });
    app.start();
    clock.advance(8000);
    expect(app.counters.drops).toBe(3);
    client.up();
    const status = JSON.parse(text(client.on("devices/wearable-001/status")[0].payload));
    expect(status).toMatchObject({ state: "online", drops: 3, pending: 5 });
  });

  it("refuses a device id that cannot be a topic level or a SenML name", () => {
    expect(() => rig({ deviceId: "a/b" })).toThrow(expect.objectContaining({ field: "deviceId" }));
    expect(() => rig({ deviceId: "dev+1" })).toThrow();
    expect(() => rig({ baseName: "urn dev" })).toThrow(expect.objectContaining({ code: "invalid-name" }));
  });

  it("keeps sampling when a sample throws (reported, never silent)", () => {
    const { app, client, clock, errors } = rig({ sensors: { hr: () => 70 }, batchesInFlight: 1 });
    app.start();
    client.up();
    client.options.onConnect = undefined;
    (client as unknown as { publish: () => void }).publish = () => {
      throw new Error("socket exploded");
    };
    clock.advance(3000);
    expect(app.outbox.count).toBe(3);
    expect(errors.map((e) => e.message)).toContain("socket exploded");
    clock.advance(1000);
    expect(app.outbox.count).toBe(4);
  });
});

describe("TelemetryApp: pushed readings (VitalSink)", () => {
  /** A heart-rate estimator's output: a new estimate every `stepMs`, pushed with the tick its window ended,
   *  `lagMs` before the push (the FIFO drain that finds it comes later). */
  function estimator(app: TelemetryApp, clock: VirtualClock, values: number[], stepMs = 2000, lagMs = 300) {
    for (const value of values) {
      clock.advance(stepMs);
      app.offer("hr", value, clock.ticks() - lagMs);
    }
  }
  const hrRecords = (client: FakeClient) =>
    client.on("devices/wearable-001/telemetry").flatMap((m) => pack(m.payload)).filter((r) => r.n === "hr");

  it("keeps each estimate once with hrIntervalMs 1000 (a 2 s estimate is never sent twice), stamped at its window's end", () => {
    const { app, client, clock } = rig({ sensors: {}, config: { hrIntervalMs: 1000, batchMaxReadings: 5, batchMaxAgeMs: 60_000 } });
    app.start();
    client.up();
    const values = [61, 62, 63, 64, 65, 66, 67, 68, 69, 70];
    // Each found a whole second after its window ended, so the stamp shows through whole-second times.
    estimator(app, clock, values, 2000, 1000);
    const records = hrRecords(client);
    expect(records.map((r) => r.v)).toEqual(values);
    // Window ends at ticks 1000 + 2000k - 1000 (the rig's clock starts at tick 1000, wall EPOCH).
    expect(records[0].bt).toBe((EPOCH + 2000 - 1000) / 1000);
    expect(records.slice(1, 5).map((r) => r.t)).toEqual([2, 4, 6, 8]);
  });

  it("keeps at most one reading per hrIntervalMs: estimates every 2 s with 5 s keep every third", () => {
    const { app, client, clock } = rig({ sensors: {}, config: { hrIntervalMs: 5000, batchMaxReadings: 1 } });
    app.start();
    client.up();
    estimator(app, clock, [60, 61, 62, 63, 64, 65, 66, 67, 68, 69]);
    expect(hrRecords(client).map((r) => r.v)).toEqual([60, 63, 66, 69]);
  });

  it("forgives a window that ends a few ms early on the app's clock, not a reading that comes too soon", () => {
    const { app, client, clock } = rig({ sensors: {}, config: { hrIntervalMs: 2000, batchMaxReadings: 1 } });
    app.start();
    client.up();
    app.offer("hr", 70, clock.ticks());
    app.offer("hr", 71, clock.ticks() + 1990); // the sensor's 2 s measured as 1.99 s: kept
    app.offer("hr", 72, clock.ticks() + 3500); // 1.51 s after the last one kept: dropped
    app.offer("hr", 73, clock.ticks() + 3990);
    expect(hrRecords(client).map((r) => r.v)).toEqual([70, 71, 73]);
  });

  it("rounds to whole bpm before storing and alarming; an implausible estimate is a fault and does not hold the interval", () => {
    const { app, client, clock, errors } = rig({ sensors: {}, config: { hrIntervalMs: 1000, batchMaxReadings: 1 } });
    app.start();
    client.up();
    app.offer("hr", 300, clock.ticks());
    app.offer("hr", 130.6, clock.ticks() + 100); // charted 131: the NEWS2 red band
    expect(app.counters.faults).toBe(1);
    expect(hrRecords(client).map((r) => r.v)).toEqual([131]);
    const [alert] = client.on("devices/wearable-001/alerts");
    expect(JSON.parse(text(alert.payload))).toMatchObject({ v: 131, level: "high", seq: 1 });
    expect(errors).toEqual([]);
  });

  it("stores a pushed reading before anything is published", () => {
    const { app, client, clock } = rig({ sensors: {}, config: { hrIntervalMs: 1000, batchMaxReadings: 1 } });
    app.start();
    const stored: number[] = [];
    client.up();
    const publish = client.publish.bind(client);
    client.publish = (topic, payload, options, done) => {
      stored.push(app.outbox.count);
      publish(topic, payload, options, done);
    };
    app.offer("hr", 135, clock.ticks()); // an alert and a batch
    expect(client.on("devices/wearable-001/alerts")).toHaveLength(1);
    expect(stored).toEqual([1, 1]);
  });

  it("takes nothing pushed before start() or after close()", () => {
    const { app, client, clock } = rig({ sensors: {}, config: { hrIntervalMs: 1000, batchMaxReadings: 1 } });
    app.offer("hr", 70, clock.ticks());
    expect(app.outbox.count).toBe(0);
    app.start();
    client.up();
    app.close();
    app.offer("hr", 70, clock.ticks() + 5000);
    expect(app.outbox.count).toBe(0);
  });
});

describe("TelemetryApp: property — every stored reading is published and leaves the outbox only when acknowledged", () => {
  type Op =
    | { kind: "tick"; ms: number }
    | { kind: "up" }
    | { kind: "down" }
    | { kind: "ack"; pick: number }
    | { kind: "refuse"; pick: number }
    | { kind: "reboot" }
    | { kind: "config"; batch: number; age: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 4000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("up" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("down" as const) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("refuse" as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("reboot" as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("config" as const), batch: fc.integer({ min: 1, max: 6 }), age: fc.integer({ min: 0, max: 5000 }) }),
    },
  );

  it("holds for random samples, connections, acks, refusals, reboots and config changes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const storage = new MemoryStorage();
        const clock = new VirtualClock(EPOCH, 1000);
        let sensing = true;
        const sensors = { hr: () => (sensing ? 75 : undefined), temp: () => (sensing ? 36.6 : undefined) };
        let r = rig({ storage, clock, sensors, outbox: { maxBytes: 1 << 20 }, batchesInFlight: 3 });
        r.app.start();
        const published = new Set<number>();
        const pending = () => r.client.on("devices/wearable-001/telemetry").filter((m) => m.done);
        const complete = (m: { done?: (e?: Error) => void; payload: Uint8Array }, error?: Error) => {
          const done = m.done;
          (m as { done?: unknown }).done = undefined;
          if (!error) for (const rec of pack(m.payload)) published.add(rec.seq as number);
          done?.(error);
        };
        for (const o of ops) {
          if (o.kind === "tick") r.clock.advance(o.ms);
          else if (o.kind === "up" && !r.client.connected) r.client.up(true);
          else if (o.kind === "down" && r.client.connected) r.client.down();
          else if (o.kind === "ack" || o.kind === "refuse") {
            const list = pending();
            if (list.length > 0) complete(list[o.pick % list.length], o.kind === "ack" ? undefined : new ClientError("publish-refused", "no", 0x87));
          } else if (o.kind === "reboot") {
            r.app.close();
            r = rig({ storage, clock, sensors, outbox: { maxBytes: 1 << 20 }, batchesInFlight: 3 });
            r.app.start();
          } else if (o.kind === "config") {
            r.client.deliver("devices/wearable-001/config", JSON.stringify({ batchMaxReadings: o.batch, batchMaxAgeMs: o.age }));
          }
          // Nothing acknowledged is still stored; nothing stored was acknowledged.
          for (const seq of storedSeqs(r.app.outbox)) expect(published.has(seq)).toBe(false);
        }
        const stored = r.app.outbox.nextSeq - 1;
        // Drain: sensors quiet, connected, the age limit passes, every batch acknowledged until empty.
        sensing = false;
        if (!r.client.connected) r.client.up(true);
        for (let round = 0; round < 200 && r.app.outbox.count > 0; round++) {
          r.clock.advance(60_000);
          for (const m of pending()) complete(m);
        }
        expect(r.app.outbox.count).toBe(0);
        for (let seq = 1; seq <= stored; seq++) expect(published.has(seq), `reading ${seq} never acknowledged`).toBe(true);
      }),
      { seed: 2026, numRuns: 150 },
    );
  });
});
