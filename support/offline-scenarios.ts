// The wearable without a network, in the Moddable simulator with the esp32 memory: the scenarios that
// test/device/offline.test.ts asserts and `npm run bench -- offline` reports.
//
//   brokerDownAtBoot   power on with the broker down (and SNTP blocked for the first half minute), start the
//                      broker after two minutes: seconds to the first stored reading, to the connection and to
//                      the first delivery after the broker's return, and every reading since boot checked
//                      at the back end (once, in sequence order, with true times)
//   networkGoneMidRun  a connected device loses its Wi-Fi (the simulator's airwaves file) and its path (a
//                      relay that cuts every connection) for two minutes, then gets them back
//   outboxRam          the heap after a collection with an empty outbox and with one filled to its bound
//
// Each builds the firmware (manifest.json) with mcconfig for lin, with its own broker port and SNTP server
// compiled in (support/firmware-build.ts: builds take turns in the SDK's build folder, each copied out). Each run's
// HOME is provisioned with the device's credentials store (its identity is not in the build).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Outbox } from "../firmware/telemetry/outbox.js";
import { READING_BYTES, encodeReading } from "../firmware/telemetry/reading.js";
import { MemoryStorage } from "./memory-storage.js";
import { DeviceLink } from "../host-sim/device/network-relay.js";
import { fillOutbox } from "../host-sim/outbox-fill.js";
import { startSntpServer, type SntpServer } from "../host-sim/sntp-server.js";
import { parseHeapLine, steadyBytes, type HeapSample } from "../host-sim/mcsim/heap-samples.js";
import type { ModdableSdk } from "../host-sim/mcsim/sdk.js";
import { failureLines, startMcsim, type McsimRun } from "../host-sim/mcsim/simulator.js";
import { checkSequence, startIngest, type Ingest, type ReceivedRecord } from "./ingest.js";
import { DEVICE_ID, type TestPki } from "./certs.js";
import { buildFirmwareTo } from "./firmware-build.js";
import { provisionedHome } from "./identities.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";

/** Where the app keeps its files under the simulator's HOME (firmware/main.ts), and the airwaves file
 *  (firmware/platform/moddable/wifi-simulated.ts). */
const DATA = "wearable";
const AIRWAVES = "simulator/airwaves";

export interface OfflineContext {
  sdk: ModdableSdk;
  pki: TestPki;
  /** Told what happens, for a test's or a bench's log. */
  log?(line: string): void;
}

/** What the back end received, checked against what the device stored. */
export interface Delivery {
  /** Readings the back end has, counting each sequence number once. */
  delivered: number;
  /** Sequence numbers 1..highest that never arrived. */
  lost: number[];
  /** Copies of a reading delivered more than once (QoS 1), and those that differ from the first copy. */
  duplicates: number;
  conflicting: number[];
  /** Readings whose time is outside power-on..now, or that go back in time against a lower sequence number
   *  of the same kind: a wrong time. */
  wrongTimes: string[];
  /** Packs the back end could not read as timed SenML (an untimed one would be here). */
  invalid: string[];
}

export interface BrokerDownResult extends Delivery {
  /** Power-on (mcsim start) to the first reading on flash. */
  fromBootS: number;
  /** The broker's return to the device's connection, and to the first reading at the back end. */
  reconnectS: number;
  firstDeliveryS: number;
  failures: string[];
}

export interface NetworkGoneResult extends Delivery {
  reconnectS: number;
  firstDeliveryS: number;
  /** The device went offline when the network went (seconds after). */
  offlineAfterS: number;
  /** The broker saw the device's certificate CN as its user. */
  identifiedByCertificate: boolean;
  statusOnline: boolean;
  heap: HeapSample[];
  failures: string[];
}

export interface OutboxRamResult {
  /** Readings the full outbox held at boot (its bound). */
  capacity: number;
  /** Heap after a collection, lin bytes (slots x 32 + chunk), median of the steady samples. */
  emptyBytes: number;
  fullBytes: number;
  deltaBytes: number;
  /** Power-on to the first stored reading with the full outbox (its opening scans the ring). */
  fullFromBootS: number;
  failures: string[];
}

/** Builds the firmware with `config` compiled in; resolves to a copy of its mc.so. Always connected unless
 *  `config` says otherwise: the scenarios measure how the connection comes back after an outage (an upload
 *  cycle's own recovery is the energy bench's, bench/energy.ts). */
export async function buildFirmware(context: OfflineContext, config: Record<string, string | number>): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), "wearable-offline-"));
  return buildFirmwareTo(context.sdk, { uploadPeriodMs: 0, ...config }, join(out, "mc.so"));
}

/** A HOME for mcsim whose credentials store holds DEVICE_ID's identity (the dev PKI of the tests). */
async function deviceHome(context: OfflineContext): Promise<string> {
  return (await provisionedHome(context.pki, DEVICE_ID, await mkdtemp(join(tmpdir(), "wearable-offline-home-")))).home;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Sequence, duplicates and times of what the back end received (readings of one boot since `poweredOn`). */
export function checkDelivery(ingest: Ingest, poweredOn: number): Delivery {
  const records = ingest.records;
  const highest = Math.max(0, ...records.map((r) => r.seq));
  const { missing, conflicting, duplicates } = checkSequence(records, highest);
  const wrongTimes: string[] = [];
  const now = Date.now() / 1000;
  const lastOf = new Map<string, ReceivedRecord>();
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    // Whole seconds (precision.ts): a reading's time may round to half a second before power-on.
    if (r.time < poweredOn / 1000 - 1 || r.time > now + 1) wrongTimes.push(`seq ${r.seq} ${r.name} at ${r.time}: outside power-on..now`);
    const previous = lastOf.get(r.name);
    if (previous && previous.seq < r.seq && r.time < previous.time) wrongTimes.push(`seq ${r.seq} ${r.name} at ${r.time}: before seq ${previous.seq} at ${previous.time}`);
    lastOf.set(r.name, r);
  }
  return { delivered: highest - missing.length, lost: missing, duplicates, conflicting, wrongTimes, invalid: ingest.invalid };
}

/** Waits until the back end has a reading taken after `after` (ms), so that every earlier one has arrived
 *  (one connection delivers in order). */
async function deliveredPast(ingest: Ingest, after: number, timeoutMs: number): Promise<void> {
  await ingest.until(() => ingest.records.some((r) => r.time * 1000 > after), `a reading taken after ${new Date(after).toISOString()}`, timeoutMs);
}

async function firstLineAt(run: McsimRun, pattern: RegExp, timeoutMs: number): Promise<number> {
  await run.waitFor(pattern, timeoutMs);
  return Date.now();
}

export interface BrokerDownOptions {
  outageMs?: number;
  sntpBlockedMs?: number;
}

/** What a scenario runs against: an SNTP server, a hardened mosquitto and the back end subscribed to the
 *  device's topics on a persistent session (so nothing sent while it reconnects is lost). */
interface BackEnd {
  sntp: SntpServer;
  broker: Mosquitto;
  ingest: Ingest;
}

async function withBackEnd<T>(context: OfflineContext, persistence: boolean, scenario: (backEnd: BackEnd) => Promise<T>): Promise<T> {
  const opened: Partial<BackEnd> = {};
  try {
    opened.sntp = await startSntpServer();
    opened.broker = await startMosquitto({ tls: context.pki.brokerTls, persistence });
    opened.ingest = await startIngest(context.pki, opened.broker.port, `devices/${DEVICE_ID}/#`);
    return await scenario(opened as BackEnd);
  } finally {
    await opened.ingest?.close();
    await opened.broker?.close();
    await opened.sntp?.close();
  }
}

export async function brokerDownAtBoot(context: OfflineContext, options: BrokerDownOptions = {}): Promise<BrokerDownResult> {
  const outageMs = options.outageMs ?? 120_000;
  return withBackEnd(context, true, async ({ sntp, broker, ingest }) => {
    let run: McsimRun | undefined;
    let home: string | undefined;
    try {
      await broker.stop();
      const so = await buildFirmware(context, { mqttPort: broker.port, sntp: `127.0.0.1:${sntp.port}`, batchMaxAgeMs: 10_000, heapMeterMs: 2000 });
      home = await deviceHome(context);
      sntp.blocked = true; // the clock stays unset for a while: readings carry their boot time until SNTP answers
      const poweredOn = Date.now();
      run = await startMcsim(context.sdk, so, { home, onLine: (line) => context.log?.(`broker-down: ${line}`) });
      const stored = await firstLineAt(run, /^recording: first reading stored/, 60_000);
      await sleep(Math.max(0, poweredOn + (options.sntpBlockedMs ?? 30_000) - Date.now()));
      sntp.blocked = false;
      await sleep(Math.max(0, poweredOn + outageMs - Date.now()));
      await broker.restart();
      const back = Date.now();
      context.log?.(`broker-down: broker back after ${seconds(back - poweredOn)} s`);
      const connected = await firstLineAt(run, /^mqtt: connected to/, 120_000);
      await ingest.until(() => ingest.records.length > 0, "the first delivery", 60_000);
      const firstDelivery = Date.now();
      await deliveredPast(ingest, back + 10_000, 90_000);
      return {
        fromBootS: seconds(stored - poweredOn),
        reconnectS: seconds(connected - back),
        firstDeliveryS: seconds(firstDelivery - back),
        ...checkDelivery(ingest, poweredOn),
        failures: failureLines(run),
      };
    } finally {
      await run?.stop();
      if (home) await rm(home, { recursive: true, force: true });
    }
  });
}

export interface NetworkGoneOptions {
  /** Connected operation before the network goes. */
  beforeMs?: number;
  outageMs?: number;
}

export async function networkGoneMidRun(context: OfflineContext, options: NetworkGoneOptions = {}): Promise<NetworkGoneResult> {
  const outageMs = options.outageMs ?? 120_000;
  return withBackEnd(context, false, async ({ sntp, broker, ingest }) => {
    let link: DeviceLink | undefined;
    let run: McsimRun | undefined;
    let home: string | undefined;
    try {
      // The device reaches the broker through a link that can be cut (TLS still names localhost).
      link = await DeviceLink.open({ host: "127.0.0.1", port: broker.port });
      const so = await buildFirmware(context, {
        mqttPort: link.address.port,
        sntp: `127.0.0.1:${sntp.port}`,
        heapMeterMs: 2000,
        hrIntervalMs: 2000,
        batchMaxAgeMs: 6000,
      });
      home = await deviceHome(context);
      const poweredOn = Date.now();
      run = await startMcsim(context.sdk, so, { home, onLine: (line) => context.log?.(`network-gone: ${line}`) });
      await run.waitFor(/^mqtt: connected to/, 60_000);
      await sleep(Math.max(0, poweredOn + (options.beforeMs ?? 30_000) - Date.now()));
      const identifiedByCertificate = new RegExp(`u'${DEVICE_ID}'`).test(broker.logs());
      await ingest.until(() => ingest.records.length >= 3, "readings before the outage", 60_000);
      const statusOnline = ingest.others.some((m) => m.topic.endsWith("/status") && m.payload.includes('"state":"online"'));
      // The Wi-Fi goes (the simulator's airwaves) and the path with it.
      const airwaves = join(run.home, AIRWAVES);
      await mkdir(join(run.home, "simulator"), { recursive: true });
      await writeFile(airwaves, "down");
      link.cut(outageMs);
      const gone = Date.now();
      context.log?.("network-gone: airwaves down, link cut");
      const offline = await firstLineAt(run, /^network: offline/, 30_000);
      await sleep(Math.max(0, gone + outageMs - Date.now()));
      await writeFile(airwaves, "up");
      const back = Date.now();
      context.log?.("network-gone: airwaves up");
      const seen = ingest.records.length;
      const sinceBack = run.lines.length;
      await run.waitFor(/^network: online/, 90_000);
      await run.waitFor(/^mqtt: connected to/, 120_000, sinceBack).catch((cause: unknown) => {
        throw new Error("no connection after the network came back", { cause });
      });
      const connected = Date.now();
      await ingest.until(() => ingest.records.length > seen, "the first delivery after the outage", 60_000);
      const firstDelivery = Date.now();
      await deliveredPast(ingest, back + 10_000, 90_000);
      return {
        reconnectS: seconds(connected - back),
        firstDeliveryS: seconds(firstDelivery - back),
        offlineAfterS: seconds(offline - gone),
        identifiedByCertificate,
        statusOnline,
        heap: run.lines.map(parseHeapLine).filter((s) => s !== undefined),
        ...checkDelivery(ingest, poweredOn),
        failures: failureLines(run),
      };
    } finally {
      await run?.stop();
      await link?.close();
      if (home) await rm(home, { recursive: true, force: true });
    }
  });
}

/** A home for mcsim whose app finds the airwaves down (nothing connects), with `records` heart-rate readings
 *  in its outbox, written by the real Outbox through the host's file binding. */
async function offlineHome(context: OfflineContext, records: number): Promise<string> {
  const home = await deviceHome(context);
  await mkdir(join(home, "simulator"), { recursive: true });
  await writeFile(join(home, AIRWAVES), "down");
  const reading = encodeReading({ kind: "hr", value: 72, time: Date.UTC(2026, 11, 1), boot: 0, ticks: 0 });
  fillOutbox({ directory: join(home, DATA), recordBytes: READING_BYTES, records, payload: () => reading });
  return home;
}

/** The outbox's bound in readings, at the firmware's defaults. */
function outboxCapacity(): number {
  return new Outbox({ storage: new MemoryStorage(), recordBytes: READING_BYTES }).capacity;
}

export async function outboxRam(context: OfflineContext, so: string, options: { runMs?: number } = {}): Promise<OutboxRamResult> {
  const runMs = options.runMs ?? 40_000;
  const capacity = outboxCapacity();
  const runs: { label: string; home: string; run?: McsimRun; started: number; stored: number }[] = [];
  try {
    for (const [label, records] of [["empty", 0], ["full", capacity]] as const) {
      runs.push({ label, home: await offlineHome(context, records), started: 0, stored: 0 });
    }
    await Promise.all(
      runs.map(async (r) => {
        r.started = Date.now();
        r.run = await startMcsim(context.sdk, so, { home: r.home, onLine: (line) => context.log?.(`outbox-${r.label}: ${line}`) });
        r.stored = await firstLineAt(r.run, /^recording: first reading stored/, 60_000);
        await sleep(Math.max(0, r.started + runMs - Date.now()));
      }),
    );
    const steady = (run: McsimRun): number => steadyBytes(run.lines.map(parseHeapLine).filter((s) => s !== undefined), 8);
    const [empty, full] = runs;
    const emptyBytes = steady(empty.run!);
    const fullBytes = steady(full.run!);
    const stored = Number(/^outbox: (\d+)/.exec(full.run!.lines.find((line) => /^outbox: \d+ stored readings/.test(line)) ?? "")?.[1] ?? 0);
    return {
      capacity: stored,
      emptyBytes,
      fullBytes,
      deltaBytes: fullBytes - emptyBytes,
      fullFromBootS: seconds(full.stored - full.started),
      failures: [...failureLines(empty.run!), ...failureLines(full.run!)],
    };
  } finally {
    for (const r of runs) {
      await r.run?.stop();
      await rm(r.home, { recursive: true, force: true });
    }
  }
}
