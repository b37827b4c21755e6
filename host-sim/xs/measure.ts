// The XS cost figures: the engine's deterministic meters for the firmware's main paths, shared by
// `npm run bench -- xs` and the budget test (test/xs/budgets.test.ts). Everything runs on virtual time
// against an in-process broker, so two runs of the same code give the same numbers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import { createBoard } from "../chips/board.js";
import type { VirtualI2CBus } from "../chips/bus.js";
import { FileStorage } from "../platform/file-storage.js";
import type { AppSettings, AppStatus } from "./entries/app.js";
import { SyntheticPpg } from "../chips/ppg-synthetic.js";
import { runHeartRate } from "../chips/ppg-run.js";
import { XsFirmware } from "./firmware.js";
import type { HeapUse } from "./heap.js";
import { loopbackBroker } from "./loopback-broker.js";
import { VirtualClock } from "./virtual-clock.js";

export interface XsFigure {
  /** Stable key, used in bench/xs-budgets.json. */
  key: string;
  what: string;
  value: number;
  unit: string;
}

export interface XsMeasurements {
  figures: XsFigure[];
  /** Live heap of the connected app: telemetry app + its MQTT client + port bindings (TLS is on the host;
   *  the sensor chain is reported apart, as sensors.heapBytes), ESP32 estimate. */
  heapAfterConnectBytes: number;
  /** Live heap change across 10,000 QoS 1 publishes with acks, after a warm-up of 1,000. */
  heapGrowth10kPublishesBytes: number;
  /** The worker's `allocate` meter at the end (memory it has mapped; fixed by its creation sizes). */
  allocate: number;
}

const TOPIC = "devices/wearable-001/hr";
const PAYLOAD = new Uint8Array(32).fill(0x41);

/** What one bridge call costs by itself (subtracted from every measurement). */
interface Overhead {
  compute: number;
  slots: number;
}

interface Cost {
  compute: number;
  /** Slots allocated (live or not) while it ran; undefined if a collection ran in between. */
  slots: number | undefined;
}

/** xsnap-worker's initial slot heap (its creation sizes): no collection runs before it is used up. */
const SLOT_CAPACITY = 256 * 1024;

/** Meter `run` (which makes `calls` bridge calls), net of the bridge's per-call overhead. */
async function costOf(xs: XsFirmware, overhead: Overhead, run: () => Promise<unknown>, calls = 1): Promise<Cost> {
  await xs.collectGarbage();
  const live = xs.meters.currentHeapCount;
  xs.resetMeters();
  await run();
  await xs.idle();
  const grown = xs.meters.currentHeapCount - live;
  const slots = grown - overhead.slots * calls;
  // Near the capacity a collection may have run and reset the count: refuse rather than under-report.
  if (live + grown > SLOT_CAPACITY * 0.9) throw new Error(`slot heap nearly full (${live + grown} slots): measure a smaller batch`);
  return { compute: xs.meters.compute - overhead.compute * calls, slots: grown > 0 && slots >= 0 ? slots : undefined };
}

async function overheadOf(xs: XsFirmware, call: () => Promise<unknown>): Promise<Overhead> {
  const cost = await costOf(xs, { compute: 0, slots: 0 }, call);
  return { compute: cost.compute, slots: cost.slots ?? 0 };
}

/** Push the compute figure and, when known, the slots-allocated figure of a cost. */
function record(figures: XsFigure[], key: string, what: string, cost: Cost, per = 1): void {
  figures.push({ key: `${key}.compute`, what, value: Math.round(cost.compute / per), unit: "compute" });
  if (cost.slots !== undefined) figures.push({ key: `${key}.slotsAllocated`, what: "  slots allocated (garbage included)", value: Math.round(cost.slots / per), unit: "slots" });
}

const bytesDelta = (after: HeapUse, before: HeapUse) => after.deviceBytes - before.deviceBytes;

async function kernels(figures: XsFigure[]): Promise<void> {
  const xs = await XsFirmware.start({ entry: "host-sim/xs/entries/kernels.ts", name: "bench-kernels" });
  try {
    const noop = await overheadOf(xs, () => xs.call("noop"));
    figures.push({ key: "bridge.noop.compute", what: "one bridge call (subtracted below)", value: noop.compute, unit: "compute" });

    const frames = Array.from({ length: 1000 }, (_, i) =>
      encode({ type: "publish", topic: TOPIC, payload: PAYLOAD, qos: 1, retain: false, dup: false, packetId: i + 1 }, 4),
    );
    await xs.call("stageStream", Buffer.concat(frames));
    let decoded = 0;
    const decode = await costOf(xs, noop, async () => (decoded = await xs.call<number>("decodeStaged", 1460)));
    if (decoded !== 1000) throw new Error(`decoded ${decoded} packets, expected 1000`);
    record(figures, "decode1000", "decode 1,000 incoming PUBLISH (QoS 1, 32 B), 1460-byte chunks", decode);

    // 12 s of IR counts at 100 samples/s, through the driver on the chip model (as the device gets them).
    const ir: number[] = [];
    const source = new SyntheticPpg({ seed: 3, heartRate: () => 72, variability: 0.02, noise: 0.002 });
    runHeartRate(source, 12, { onSample: (value) => ir.push(value) });
    await xs.call("stagePpg", new Int32Array(ir), 100);
    await xs.call("estimate", 0, 1000); // 10 s warm-up: filters settled, beats learnt
    const ppg = await costOf(xs, noop, () => xs.call("estimate", 1000, 1200));
    record(figures, "ppg1s", "1 s of PPG at 100 sps through the estimator (mean of 2 s)", ppg, 2);
  } finally {
    await xs.close();
  }
}

async function client(figures: XsFigure[]): Promise<{ heapGrowth10kPublishesBytes: number; allocate: number }> {
  const broker = loopbackBroker();
  const clock = new VirtualClock();
  const xs = await XsFirmware.start({ entry: "host-sim/xs/entries/client.ts", name: "bench-client", ports: { Socket: broker.Socket, clock } });
  try {
    const noop = await overheadOf(xs, () => xs.call("status"));
    const empty = await xs.heap();
    const connect = await costOf(
      xs,
      noop,
      async () => {
        await xs.call("start", { brokers: [{ host: "broker.local", port: 1883 }], clientId: "wearable-001", keepAlive: 60 });
        await xs.call("until", "connects", 1);
      },
      2,
    );
    record(figures, "connect", "connect: socket open, CONNECT, CONNACK", connect);
    await xs.call("forget");
    const connected = await xs.heap();
    const heapAfterConnectBytes = bytesDelta(connected, empty);
    figures.push({ key: "connect.heapSlots", what: "live slots the connected client alone adds", value: connected.slots - empty.slots, unit: "slots" });
    figures.push({ key: "connect.heapBytes", what: "live heap the connected client alone adds (ESP32 estimate)", value: heapAfterConnectBytes, unit: "bytes" });

    // Ten batches of 100, each from a collected heap, so the slot count never nears a collection.
    const publish: Cost = { compute: 0, slots: 0 };
    for (let batch = 0; batch < 10; batch++) {
      const cost = await costOf(xs, noop, () => xs.call("publishMany", TOPIC, PAYLOAD, 1, 100));
      publish.compute += cost.compute;
      publish.slots = publish.slots !== undefined && cost.slots !== undefined ? publish.slots + cost.slots : undefined;
    }
    if (broker.stats.publishes !== 1000) throw new Error(`broker saw ${broker.stats.publishes} publishes, expected 1000`);
    record(figures, "publish1000", "1,000 QoS 1 publishes (32 B) with PUBACKs, 10 batches", publish);

    // Warm up with the batch shape measured next: queues keep the capacity of their deepest use.
    await xs.call("publishMany", TOPIC, PAYLOAD, 1, 1000);
    await xs.call("forget");
    const warm = await xs.heap();
    for (let batch = 0; batch < 10; batch++) await xs.call("publishMany", TOPIC, PAYLOAD, 1, 1000);
    await xs.call("forget");
    const after = await xs.heap();
    const heapGrowth10kPublishesBytes = bytesDelta(after, warm);
    figures.push({ key: "publish10k.heapGrowthBytes", what: "live heap change across 10,000 more publishes", value: heapGrowth10kPublishesBytes, unit: "bytes" });
    await xs.call("close");
    return { heapGrowth10kPublishesBytes, allocate: xs.meters.allocate };
  } finally {
    await xs.close();
  }
}

/** Run the XS app on virtual time for `ms`, in 100 ms steps (the FIFO drain period). */
async function run(xs: XsFirmware, bus: VirtualI2CBus, clock: VirtualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    bus.advance(100);
    clock.advance(100);
    await xs.idle();
  }
}

async function app(figures: XsFigure[]): Promise<{ heapAfterConnectBytes: number }> {
  const { bus } = createBoard({
    light: new SyntheticPpg({ seed: 5, heartRate: () => 72, variability: 0.02, noise: 0.002 }),
    thermometer: "max30205",
    skinTemperature: 36.6,
  });
  const clock = new VirtualClock();
  const broker = loopbackBroker();
  const dir = mkdtempSync(join(tmpdir(), "xs-bench-outbox-"));
  const xs = await XsFirmware.start({
    entry: "host-sim/xs/entries/app.ts",
    name: "bench-app",
    ports: { Socket: broker.Socket, clock, storage: new FileStorage(dir), I2C: bus.io },
  });
  try {
    const empty = await xs.heap();
    const settings: AppSettings = {
      deviceId: "wearable-001",
      mqtt: { brokers: [{ host: "broker.local", port: 1883 }], keepAlive: 60 },
      config: { hrIntervalMs: 1000, tempIntervalMs: 5000, batchMaxReadings: 12 },
    };
    await xs.call("startSensors");
    const sensing = await xs.heap();
    figures.push({ key: "sensors.heapBytes", what: "live heap of the sensor chain: MAX30102, estimator, MAX30205 (ESP32 estimate)", value: bytesDelta(sensing, empty), unit: "bytes" });
    await xs.call("startApp", settings);
    await xs.call("until", "connects", 1);
    await xs.call("forget");
    const connected = await xs.heap();
    const heapAfterConnectBytes = bytesDelta(connected, sensing);
    figures.push({ key: "app.connect.heapBytes", what: "live heap after connect: telemetry app + MQTT client (ESP32 estimate)", value: heapAfterConnectBytes, unit: "bytes" });
    figures.push({ key: "firmware.connect.heapBytes", what: "the two together: all the firmware holds after connect", value: bytesDelta(connected, empty), unit: "bytes" });

    await run(xs, bus, clock, 20_000); // heart rate settles, batches flow
    const before = await xs.call<AppStatus>("status");
    xs.resetMeters();
    await run(xs, bus, clock, 60_000);
    const compute = xs.meters.compute;
    const after = await xs.call<AppStatus>("status");
    const readings = after.taken - before.taken;
    // A heart-rate estimate every 2 s (pushed) and a temperature every 5 s: 42 readings in 60 s.
    if (readings < 40 || after.errors.length > 0) throw new Error(`the app took ${readings} readings in 60 s, errors ${JSON.stringify(after.errors)}`);
    figures.push({
      key: "app.reading.compute",
      what: `app steady state per reading (drains, estimator, outbox, SenML, publish; ${readings} in 60 s)`,
      value: Math.round(compute / readings),
      unit: "compute",
    });
    await xs.call("forget");
    const steady = await xs.heap();
    figures.push({ key: "app.steady.heapBytes", what: "live heap of the app after 80 s (ESP32 estimate)", value: bytesDelta(steady, empty), unit: "bytes" });
    await xs.call("close");
    return { heapAfterConnectBytes };
  } finally {
    await xs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureXs(): Promise<XsMeasurements> {
  const figures: XsFigure[] = [];
  await kernels(figures);
  const c = await client(figures);
  const a = await app(figures);
  figures.push({ key: "allocate", what: "memory the XS machine has mapped (creation sizes)", value: c.allocate, unit: "bytes" });
  return { figures, heapAfterConnectBytes: a.heapAfterConnectBytes, heapGrowth10kPublishesBytes: c.heapGrowth10kPublishesBytes, allocate: c.allocate };
}
