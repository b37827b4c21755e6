// The handshake table of `npm run bench -- energy`: the firmware's TLS socket binding and the SDK's TLS
// session in the Moddable simulator (bench/device-apps/tls-resume), with the esp32 memory, against the hardened
// mosquitto through the counting relay: full and resumed handshakes alternate; the app traces each one's time
// and heap, the relay counts its bytes each way and its flights, and tells which resumed.
import { join, resolve } from "node:path";
import { buildForSimulator } from "../../host-sim/mcsim/build.js";
import type { ModdableSdk } from "../../host-sim/mcsim/sdk.js";
import { startMcsim } from "../../host-sim/mcsim/simulator.js";
import { DEVICE_ID, type TestPki } from "../../support/certs.js";
import { startMosquitto } from "../../support/mosquitto.js";
import { handshakeBytes, startCountingRelay } from "../wire/relay.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface DeviceHandshake {
  up: number;
  down: number;
  flights: number;
  /** Median wall time in mcsim (lin, this machine), ms. */
  ms: number;
  /** Most XS heap in use during the handshake (lin bytes, after a collection at each of its steps) above
   *  what was in use before it. */
  peakBytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function deviceHandshakes(sdk: ModdableSdk, pki: TestPki, log: (line: string) => void): Promise<{ full: DeviceHandshake; resumed: DeviceHandshake }> {
  const broker = await startMosquitto({ tls: pki.brokerTls });
  const relay = await startCountingRelay({ host: "127.0.0.1", port: broker.port });
  try {
    const so = await buildForSimulator(sdk, {
      dir: join(ROOT, "bench/device-apps/tls-resume"),
      name: "energy-tls-resume",
      config: { mqttPort: relay.port },
      env: { CERTS: pki.dir, DEVICE_ID },
    });
    const run = await startMcsim(sdk, so, { onLine: (line) => log(`mcsim: ${line}`) });
    try {
      await run.waitFor(/^tls-resume: (done|failed)/, 180_000);
    } finally {
      await run.stop();
    }
    await relay.idle();
    const traced = run.lines.flatMap((line) => {
      const m = /^tls-resume: (\d+) (full|resume) ms (\d+)(?: peak (\d+))?/.exec(line);
      return m ? [{ index: Number(m[1]), full: m[2] === "full", ms: Number(m[3]), peak: m[4] === undefined ? undefined : Number(m[4]) }] : [];
    });
    if (traced.length === 0 || run.lines.some((line) => line.startsWith("tls-resume: failed"))) throw new Error(`the handshakes in mcsim failed:\n${run.lines.slice(-20).join("\n")}`);
    const of = (full: boolean): DeviceHandshake => {
      const rows = traced.filter((t) => t.full === full);
      for (const t of rows) {
        if (relay.connections[t.index].resumed === full) throw new Error(`connection ${t.index} was ${full ? "resumed" : "not resumed"}`);
      }
      const connections = rows.map((t) => relay.connections[t.index]);
      return {
        up: median(connections.map((c) => handshakeBytes(c.upRecords))),
        down: median(connections.map((c) => handshakeBytes(c.downRecords))),
        flights: median(connections.map((c) => c.flights)),
        ms: median(rows.filter((t) => t.peak === undefined).map((t) => t.ms)),
        peakBytes: Math.max(0, ...rows.flatMap((t) => (t.peak === undefined ? [] : [t.peak]))),
      };
    };
    return { full: of(true), resumed: of(false) };
  } finally {
    await relay.close();
    await broker.close();
  }
}
