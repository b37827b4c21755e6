// The wearable without a network, in the real Moddable runtime: the firmware built with mcconfig for the
// simulator with the esp32 build's memory, run in mcsim (support/offline-scenarios.ts), side by side:
// (a) powered on with the broker down for two minutes (and SNTP blocked for the first half minute): recording
//     from power-on, connected within 65 s of the broker's return, every reading since boot delivered, in
//     order of sequence, with its true time;
// (b) the same with the network (Wi-Fi and path) gone for two minutes in the middle of a run, after a normal
//     connected phase over mutual TLS (the broker sees the certificate's CN; the status says online);
// (c) the outbox filled to its bound holds the same RAM as an empty one, within 1 KB.
// Needs the Moddable SDK: skipped without it, except on CI (test/support/sdk.ts).
import { beforeAll, expect, it } from "vitest";
import { ESP32_CREATION, heapBytes, slotCount } from "../../host-sim/mcsim/heap-samples.js";
import { moddableSdk } from "../../host-sim/mcsim/sdk.js";
import { ensureDevPki } from "../../support/certs.js";
import {
  brokerDownAtBoot,
  buildFirmware,
  networkGoneMidRun,
  outboxRam,
  type BrokerDownResult,
  type NetworkGoneResult,
  type OfflineContext,
  type OutboxRamResult,
} from "../../support/offline-scenarios.js";
import { describeWithSdk } from "../support/sdk.js";

const SCENARIOS_MS = 15 * 60_000;

describeWithSdk("offline-first, in mcsim with the esp32 memory", () => {
  let brokerDown: BrokerDownResult;
  let networkGone: NetworkGoneResult;
  let ram: OutboxRamResult;

  beforeAll(async () => {
    const context: OfflineContext = { sdk: moddableSdk(), pki: await ensureDevPki() };
    // (c) needs a build with nothing to connect to; (a) and (b) compile their own ports in.
    const offlineBuild = buildFirmware(context, { mqttPort: 9, heapMeterMs: 2000 });
    [brokerDown, networkGone, ram] = await Promise.all([
      brokerDownAtBoot(context),
      networkGoneMidRun(context),
      offlineBuild.then((so) => outboxRam(context, so)),
    ]);
  }, SCENARIOS_MS);

  it("(a) records from power-on with the broker down, and delivers every reading once it returns", () => {
    expect(brokerDown.failures).toEqual([]);
    expect(brokerDown.fromBootS).toBeLessThanOrEqual(15);
    expect(brokerDown.reconnectS).toBeLessThanOrEqual(65);
    // Two minutes of readings at the defaults, all of them, each once, with a true time.
    expect(brokerDown.delivered).toBeGreaterThanOrEqual(20);
    expect(brokerDown.lost).toEqual([]);
    expect(brokerDown.conflicting).toEqual([]);
    expect(brokerDown.duplicates).toBe(0);
    expect(brokerDown.wrongTimes).toEqual([]);
    expect(brokerDown.invalid).toEqual([]);
  });

  it("(b) rides out two minutes without a network in the middle of a run, and delivers everything after", () => {
    expect(networkGone.failures).toEqual([]);
    expect(networkGone.identifiedByCertificate).toBe(true);
    expect(networkGone.statusOnline).toBe(true);
    expect(networkGone.offlineAfterS).toBeLessThanOrEqual(5);
    expect(networkGone.reconnectS).toBeLessThanOrEqual(65);
    expect(networkGone.lost).toEqual([]);
    expect(networkGone.conflicting).toEqual([]);
    expect(networkGone.wrongTimes).toEqual([]);
    expect(networkGone.invalid).toEqual([]);
    // A reading in flight when the network went may arrive twice (QoS 1), always the same reading.
    expect(networkGone.duplicates).toBeLessThanOrEqual(12);
  });

  it("(b) holds at most three quarters of the esp32 heap after a collection", () => {
    const samples = networkGone.heap;
    expect(samples.length).toBeGreaterThan(20);
    const slots = Math.max(...samples.map(slotCount));
    const chunk = Math.max(...samples.map((s) => s.chunk));
    expect(slots, `highest ${slots} slots`).toBeLessThanOrEqual(0.75 * ESP32_CREATION.slots);
    expect(chunk, `highest ${chunk} chunk bytes`).toBeLessThanOrEqual(0.75 * ESP32_CREATION.chunk);
    expect(Math.max(...samples.map(heapBytes))).toBeGreaterThan(0);
  });

  it("(c) an outbox filled to its bound holds the same RAM as an empty one, within 1 KB", () => {
    expect(ram.failures).toEqual([]);
    expect(ram.capacity).toBeGreaterThan(20_160); // more than a day at the default rates
    expect(ram.emptyBytes).toBeGreaterThan(0);
    expect(Math.abs(ram.deltaBytes), `full ${ram.fullBytes} B, empty ${ram.emptyBytes} B`).toBeLessThanOrEqual(1024);
  });
});
