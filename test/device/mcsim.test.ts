// The firmware and the client example in the real Moddable runtime: built with mcconfig from their
// manifests for the simulator (lin) with the esp32 build's memory (the same creation: 4,928 slots, 78,848
// chunk bytes, no growth), run in mcsim against the hardened mosquitto over mutual TLS. A firmware that
// would run out of memory on the board aborts here; one that throws shows it in its trace. Needs the Moddable
// SDK: skipped without it, except on CI (test/support/sdk.ts).
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildForSimulator } from "../../host-sim/mcsim/build.js";
import { heapBytes, parseHeapLine, slotCount, type HeapSample } from "../../host-sim/mcsim/heap-samples.js";
import { FAILURE_LINE, startMcsim, type McsimRun } from "../../host-sim/mcsim/simulator.js";
import { moddableSdk, type ModdableSdk } from "../../host-sim/mcsim/sdk.js";
import { retainedJson, startIngest, type Ingest } from "../../support/ingest.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { describeWithSdk } from "../support/sdk.js";

const root = resolve(import.meta.dirname, "../..");
/** The esp32 creation (manifest.json): what the highest post-GC sample must leave a quarter of. */
const ESP32_SLOTS = 4928;
const ESP32_CHUNK_BYTES = 78848;
const BUILD_MS = 15 * 60_000;

let sdk: ModdableSdk;
let pki: TestPki;

interface InSimulator {
  broker: Mosquitto;
  ingest: Ingest;
  run: McsimRun;
}

/** A hardened mosquitto, the back end on `filter`, and the app built with mcconfig and running in mcsim. */
async function inSimulator(app: { dir: string; name: string; config: Record<string, string | number> }, filter: string, persistence = false): Promise<InSimulator> {
  const broker = await startMosquitto({ tls: pki.brokerTls, persistence });
  const ingest = await startIngest(pki, broker.port, filter);
  const so = await buildForSimulator(sdk, { ...app, config: { mqttPort: broker.port, ...app.config }, env: { CERTS: pki.dir, DEVICE_ID } });
  return { broker, ingest, run: await startMcsim(sdk, so) };
}

async function stop(s: Partial<InSimulator>): Promise<void> {
  await s.run?.stop();
  await s.ingest?.close();
  await s.broker?.close();
}

const heapSamples = (run: McsimRun): HeapSample[] => run.lines.map(parseHeapLine).filter((s) => s !== undefined);

describeWithSdk("in the Moddable simulator (mcsim)", () => {
  beforeAll(async () => {
    sdk = moddableSdk();
    pki = await ensureDevPki();
  }, BUILD_MS);

  describe("the firmware (manifest.json) in mcsim with the esp32 memory", () => {
    let s: InSimulator;
    let broker: Mosquitto;
    let ingest: Ingest;
    let run: McsimRun;

    beforeAll(async () => {
      s = await inSimulator(
        // mcconfig names the build after the manifest's folder
        { dir: root, name: basename(root), config: { heapMeterMs: 2000, hrIntervalMs: 2000, batchMaxAgeMs: 6000 } },
        `devices/${DEVICE_ID}/#`,
      );
      ({ broker, ingest, run } = s);
    }, BUILD_MS);

    afterAll(() => stop(s ?? {}));

    it("connects over mutual TLS, delivers readings, says online, and never fails", async () => {
      await run.waitFor(/^mqtt: connected to localhost:\d+/, 60_000);
      await broker.waitForLog(new RegExp(`as ${DEVICE_ID} .*u'${DEVICE_ID}'`)); // the client certificate's CN
      await ingest.until(() => ingest.records.filter((r) => r.name.endsWith("/hr")).length >= 3, "heart-rate readings", 60_000);
      expect(ingest.invalid).toEqual([]);
      for (const r of ingest.records.filter((x) => x.name.endsWith("/hr"))) expect(r.value).toBeGreaterThan(60);
      expect(await retainedJson(pki, broker.port, `devices/${DEVICE_ID}/status`)).toMatchObject({ state: "online" });
      await run.waitFor(/^heap: /, 10_000);
      expect(run.lines.filter((line) => FAILURE_LINE.test(line))).toEqual([]);
    }, 180_000);

    it("holds at most three quarters of the esp32 heap after a collection", () => {
      const samples = heapSamples(run);
      expect(samples.length).toBeGreaterThan(5);
      const slots = Math.max(...samples.map(slotCount));
      const chunk = Math.max(...samples.map((s) => s.chunk));
      expect(slots, `highest ${slots} slots`).toBeLessThanOrEqual(0.75 * ESP32_SLOTS);
      expect(chunk, `highest ${chunk} chunk bytes`).toBeLessThanOrEqual(0.75 * ESP32_CHUNK_BYTES);
      expect(Math.max(...samples.map(heapBytes))).toBeGreaterThan(0);
    });
  });

  describe("examples/mqtt-client in mcsim: QoS 1, a subscription, reconnection", () => {
    let s: InSimulator;
    let broker: Mosquitto;
    let ingest: Ingest;
    let run: McsimRun;

    beforeAll(async () => {
      s = await inSimulator(
        { dir: join(root, "examples/mqtt-client"), name: "mqtt-client-example", config: { qos: 1, publishMs: 500 } },
        `devices/${DEVICE_ID}/example`,
        true,
      );
      ({ broker, ingest, run } = s);
    }, BUILD_MS);

    afterAll(() => stop(s ?? {}));

    it("publishes at QoS 1, receives on its subscription, and resumes its session after the broker restarts", async () => {
      await run.waitFor(/^mqtt: connected to localhost:\d+ \(session present false\)/, 60_000);
      await ingest.until(() => ingest.others.length >= 3, "the example's messages", 30_000);
      expect(ingest.others[0].payload).toHaveLength(60);

      await ingest.client.publishAsync(`devices/${DEVICE_ID}/config`, "hello", { qos: 1 });
      await run.waitFor(new RegExp(`^mqtt: 5 bytes on devices/${DEVICE_ID}/config`), 15_000);

      await broker.restart();
      await run.waitFor(/^mqtt: disconnected/, 30_000);
      await run.waitFor(/^mqtt: connected to localhost:\d+ \(session present true\)/, 60_000);
      const before = ingest.others.length;
      await ingest.until(() => ingest.others.length >= before + 3, "messages after the restart", 30_000);
      // What was published while the broker was away was queued, then delivered: nothing reported lost.
      await run.waitFor(/^example: \d+ delivered/, 15_000);
      expect(run.lines.filter((line) => /not delivered|queue full/.test(line))).toEqual([]);
      expect(run.lines.filter((line) => FAILURE_LINE.test(line))).toEqual([]);
    }, 240_000);
  });
});
