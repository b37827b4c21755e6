// The client example in the real Moddable runtime: built with mcconfig from its manifest for the simulator
// (lin) with the esp32 build's memory (the same creation: 4,928 slots, 78,848 chunk bytes, no growth), run in
// mcsim against the hardened mosquitto over mutual TLS, the broker restarted under it. The firmware itself runs
// in mcsim in test/device/offline.test.ts (connected over mutual TLS, then without a broker, without a network,
// and with a full outbox, within three quarters of the esp32 heap). Needs the Moddable SDK: skipped without
// it, except on CI (test/support/sdk.ts).
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildForSimulator } from "../../host-sim/mcsim/build.js";
import { FAILURE_LINE, startMcsim, type McsimRun } from "../../host-sim/mcsim/simulator.js";
import { moddableSdk, type ModdableSdk } from "../../host-sim/mcsim/sdk.js";
import { startIngest, type Ingest } from "../../support/ingest.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { describeWithSdk } from "../support/sdk.js";

const root = resolve(import.meta.dirname, "../..");
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

describeWithSdk("in the Moddable simulator (mcsim)", () => {
  beforeAll(async () => {
    sdk = moddableSdk();
    pki = await ensureDevPki();
  }, BUILD_MS);

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
