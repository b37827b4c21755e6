// The energy bench's parts (bench/energy/): the wearable's duty-cycled uplink run for real against the
// hardened mosquitto (the rig), what it measures of each cycle, the day it extends that to, and the charge
// model's arithmetic. The duty cycle's end-to-end guarantees are checked here: every reading stored before an
// upload is at the back end after it, the TLS session resumes from the second cycle on, the status says
// "sleeping" between uploads, and an alarm while asleep reaches the broker within 30 s.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkSequence } from "../../support/ingest.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";
import { dutyDay, handshakes, meanHandshake, type DayActivity } from "../../bench/energy/activity.js";
import { CURRENTS, charge } from "../../bench/energy/model.js";
import { Rig } from "../../bench/energy/rig.js";

let pki: TestPki;
const rigs: Rig[] = [];
beforeAll(async () => {
  pki = await ensureDevPki();
}, 60_000);
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function rig(options: Partial<Parameters<typeof Rig.start>[0]> = {}): Promise<Rig> {
  const r = await Rig.start({ pki, config: { uploadPeriodMs: 60_000 }, latencyMs: 10, associationMs: 1500, ...options });
  rigs.push(r);
  return r;
}

describe("the energy bench's rig: the duty-cycled uplink for real", () => {
  it("uploads every period: everything stored before an upload delivered by its end, the TLS session resumed from the second, the radio down in between", async () => {
    const r = await rig();
    await r.run(200_000);
    // Cycles at 0, 60, 120 and 180 s, each ended (network released) well before the next.
    expect(r.cycles.map((c) => Math.round(c.request / 1000))).toEqual([0, 60, 120, 180]);
    r.cycles.forEach((c, i) => {
      expect(c.online! - c.request).toBe(1500); // the airwaves' association
      expect(c.release).toBeGreaterThanOrEqual(c.closed!); // the connection closed, then the network went
      if (i + 1 < r.cycles.length) expect(c.release).toBeLessThan(r.cycles[i + 1].request);
    });
    expect(r.cycles.map((c) => r.relay.connections[c.connection!].resumed)).toEqual([false, true, true, true]);
    const lastUpload = r.cycles[3].request;
    const last = Math.max(...r.storedAt.flatMap((t, seq) => (t <= lastUpload ? [seq] : [])));
    expect(last).toBeGreaterThan(30);
    expect(checkSequence(r.ingest.records, last).missing).toEqual([]);
    const statuses = r.ingest.others.filter((m) => m.topic.endsWith("/status")).map((m) => JSON.parse(m.payload) as { state: string });
    expect(statuses.at(-1)?.state).toBe("sleeping");
    expect(r.errors).toEqual([]);
    // The FIFO drained every 250 ms is most of the wake-ups: 4 a second, and a few more.
    expect(r.clock.wakeups / r.seconds).toBeGreaterThanOrEqual(4);
    expect(r.clock.wakeups / r.seconds).toBeLessThan(5);
  });

  it("brings the uplink up for an alarm while asleep: the alert at the broker within 30 s of the pulse's jump", async () => {
    const r = await rig({ config: { uploadPeriodMs: 300_000 }, heartRate: (s) => (s < 30 ? 72 : 140) });
    await r.run(75_000);
    expect(r.cycles.length).toBe(2); // the first upload at power-on, then the alarm's
    const alert = r.alerts.find((a) => (JSON.parse(a.payload) as { level: string }).level === "high");
    expect(alert).toBeDefined();
    expect(JSON.parse(alert!.payload)).toMatchObject({ n: "hr", level: "high", news2: 3 });
    // Up as soon as the estimator's window shows it (asleep, on the virtual clock alone), and the alert at the
    // broker in that upload.
    expect(r.cycles[1].request - 30_000).toBeLessThan(15_000);
    expect(r.cycles[1].request).toBeLessThan(alert!.t);
    expect(alert!.t - 30_000).toBeLessThan(30_000);
  });

  it("extends the measured cycles to a day by the schedule: 288 uploads at 5 min, 12 full handshakes (one per session lifetime)", async () => {
    const r = await rig({ config: { uploadPeriodMs: 300_000 } });
    await r.run(660_000);
    const hs = handshakes(r);
    expect(hs.full).toHaveLength(1);
    expect(hs.resumed).toHaveLength(2);
    const full = meanHandshake(hs.full);
    const resumed = meanHandshake(hs.resumed);
    expect(resumed.up + resumed.down).toBeLessThan((full.up + full.down) / 2);
    expect([full.flights, resumed.flights]).toEqual([4, 3]);
    const day = dutyDay("5 min", r, 300, full, resumed);
    expect(day.handshakes).toEqual({ full: 12, resumed: 276 });
    expect(day.connectS).toBeCloseTo(288 * 1.5, 6);
    expect(day.transferS).toBeGreaterThan(0);
    const noResumption = dutyDay("5 min", r, 300, full, resumed, false);
    expect(noResumption.handshakes).toEqual({ full: 288, resumed: 0 });
    expect(noResumption.up + noResumption.down).toBeGreaterThan(day.up + day.down);
  });
});

describe("the charge model", () => {
  const quiet: DayActivity = { label: "x", periodS: 300, ranS: 1, cycles: 1, connectS: 0, tlsS: 0, transferS: 0, idleS: 0, handshakes: { full: 0, resumed: 0 }, up: 0, down: 0, wakeups: 0 };
  const inputs = { xsOps: 0, resumedComputeRatio: 0.1, powerManagement: true };

  it("charges a day asleep with the sensor running at light sleep plus the sensor's currents", () => {
    const c = charge(quiet, inputs);
    expect(c.items["sleep (light sleep, radio off)"]).toBeCloseTo(0.8 * 24, 6);
    expect(c.items["MAX30102 IR LED pulses"]).toBeCloseTo(7.2 * 411e-6 * 400 * 24, 6);
    expect(c.total).toBeCloseTo(24 * (0.8 + 0.6 + 7.2 * 411e-6 * 400 + 0.0035), 6);
    expect(c.days500mAh).toBeCloseTo(500 / c.total, 9);
  });

  it("charges the radio's seconds at the receiver's current, and takes them out of the sleep", () => {
    const radio = charge({ ...quiet, connectS: 3600 }, inputs);
    expect(radio.items["radio: connect, TLS round trips, transfer (receiver)"]).toBeCloseTo(CURRENTS.rx.value, 6);
    expect(radio.items["sleep (light sleep, radio off)"]).toBeCloseTo(0.8 * 23, 6);
  });

  it("charges full handshakes' computation, resumed ones at the measured ratio, and XS work at the CPU's current", () => {
    const c = charge({ ...quiet, handshakes: { full: 10, resumed: 100 } }, { ...inputs, xsOps: 5e6 / 10 });
    expect(c.items["CPU: TLS computation"]).toBeCloseTo((CURRENTS.cpu.value * (10 * 2 + 100 * 2 * 0.1)) / 3600, 6);
    expect(c.items["CPU: XS work (drains, estimator, app)"]).toBeCloseTo(CURRENTS.cpu.value * 2.4, 6); // a tenth of the day
  });
});
