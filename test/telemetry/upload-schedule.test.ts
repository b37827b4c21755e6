// The uplink's duty cycle (firmware/telemetry/upload-schedule.ts) through the app, with a fake client and a
// fake network port on a virtual clock: the network requested only for an upload, everything the outbox held
// delivered and acknowledged before it is released, the cycle bounded by its window, an alarm or an urgent
// reading bringing it up at once, and the period changed at run time (0: always connected).
import { describe, expect, it, onTestFinished } from "vitest";
import { TelemetryApp, type TelemetryAppOptions, type UplinkLink } from "../../firmware/telemetry/app.js";
import { UPLOAD_WINDOW_MS } from "../../firmware/telemetry/upload-schedule.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { FakeClient } from "./support/fake-client.js";

const EPOCH = Date.UTC(2026, 10, 22, 1, 0, 0);
const STATUS = "devices/wearable-001/status";
const TELEMETRY = "devices/wearable-001/telemetry";
const ALERTS = "devices/wearable-001/alerts";
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The network port on demand, as the schedule drives it: what it was asked, in order. */
class FakeLink implements UplinkLink {
  calls: ("request" | "release")[] = [];
  up = false;
  request(): void {
    this.calls.push("request");
    this.up = true;
  }
  release(): void {
    this.calls.push("release");
    this.up = false;
  }
}

function rig(config: TelemetryAppOptions["config"] = {}, options: Partial<TelemetryAppOptions> = {}) {
  const clock = new VirtualClock(EPOCH, 1000);
  const hr = { value: 72 };
  let client: FakeClient | undefined;
  const errors: Error[] = [];
  const app = new TelemetryApp({
    deviceId: "wearable-001",
    clock,
    storage: new MemoryStorage(),
    sensors: { hr: () => hr.value, temp: () => 36.5 },
    mqtt: { Socket: NodeSocket, clock, brokers: [{ host: "localhost", port: 1 }] },
    config: { batchMaxReadings: 6, batchMaxAgeMs: 10_000, hrIntervalMs: 1000, tempIntervalMs: 5000, uploadPeriodMs: 60_000, ...config },
    waitForNetwork: true,
    createClient: (o) => (client = new FakeClient(o)),
    onError: (e) => errors.push(e),
    ...options,
  });
  // A duty cycle that works only by reporting errors is not working.
  onTestFinished(() => expect(errors).toEqual([]));
  const link = new FakeLink();
  const c = client as FakeClient;
  /** Acknowledges everything sent so far, then lets the schedule look (its check runs on a 0 ms timer). */
  const ackAll = () => {
    for (let i = 0; i < 50 && c.inflight > 0; i++) {
      for (const m of c.sent) if (m.pending) m.done?.();
      clock.advance(0);
    }
  };
  return { app, client: c, clock, link, hr, ackAll };
}

const statuses = (client: FakeClient) => client.on(STATUS).map((m) => JSON.parse(text(m.payload)) as { state: string; nextUpload?: number });

describe("the duty-cycled uplink", () => {
  it("uploads at start and every period: the network requested, everything the outbox held acknowledged, a 'sleeping' status, DISCONNECT, the network released", () => {
    const { app, client, clock, link, ackAll } = rig();
    app.start(link);
    expect(link.calls).toEqual(["request"]);
    expect(client.connectCalls).toBe(1);
    client.up();
    ackAll(); // the online status
    expect(statuses(client).map((s) => s.state)).toEqual(["online", "sleeping"]);
    // The next upload, in whole seconds of wall time: a period after this cycle began.
    expect(statuses(client)[1].nextUpload).toBe(Math.round((EPOCH + 60_000) / 1000));
    expect(client.disconnectCalls).toBe(1);
    expect(link.calls).toEqual(["request", "release"]);
    expect(app.schedule.awake).toBe(false);

    // Asleep: readings are stored, nothing is sent, nothing requested.
    clock.advance(59_000);
    expect(link.calls).toHaveLength(2);
    const stored = app.outbox.count;
    expect(stored).toBeGreaterThan(60);
    const sentBefore = client.sent.length;
    expect(client.sent.filter((m) => m.pending)).toHaveLength(0);

    clock.advance(1000); // the period is up
    expect(link.calls).toEqual(["request", "release", "request"]);
    expect(client.connectCalls).toBe(2);
    expect(client.sent.length).toBe(sentBefore); // nothing goes before the connection is up
    client.up();
    ackAll();
    // Every reading stored before this upload was published and acknowledged, in batches of at most 6.
    const batches = client.on(TELEMETRY);
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(stored / 6));
    expect(app.outbox.count).toBeLessThan(6); // what is left was stored during the cycle, in the batcher
    expect(statuses(client).map((s) => s.state)).toEqual(["online", "sleeping", "online", "sleeping"]);
    expect(link.calls).toEqual(["request", "release", "request", "release"]);
    app.close();
  });

  it("keeps the network while anything waits for its acknowledgement", () => {
    const { app, client, clock, link, ackAll } = rig();
    app.start(link);
    client.up();
    ackAll();
    clock.advance(60_000);
    client.up();
    const first = client.on(TELEMETRY)[0];
    clock.advance(0);
    first.done?.(); // one batch acknowledged, the others not
    clock.advance(5000);
    expect(link.calls.at(-1)).toBe("request");
    expect(client.disconnectCalls).toBe(1);
    ackAll();
    expect(link.calls.at(-1)).toBe("release");
    app.close();
  });

  it("ends a cycle the network or the broker never answered at its window (a minute), and tries again next period", () => {
    const { app, client, clock, link } = rig({ uploadPeriodMs: 300_000 });
    app.start(link);
    clock.advance(UPLOAD_WINDOW_MS - 1);
    expect(link.calls).toEqual(["request"]);
    clock.advance(1);
    expect(link.calls).toEqual(["request", "release"]);
    expect(client.disconnectCalls).toBe(1);
    clock.advance(300_000 - UPLOAD_WINDOW_MS); // a period after the first cycle began
    expect(link.calls).toEqual(["request", "release", "request"]);
    app.close();
  });

  it("wakes at once for an alarm, which reaches the broker in that cycle; the regular cadence stays", () => {
    const { app, client, clock, link, hr, ackAll } = rig();
    app.start(link);
    client.up();
    ackAll();
    clock.advance(20_000);
    hr.value = 140; // NEWS2 red: pulse >= 131
    clock.advance(1000);
    expect(link.calls).toEqual(["request", "release", "request"]);
    expect(client.on(ALERTS)).toHaveLength(1); // queued in the client, sent when connected
    client.up();
    ackAll();
    expect(JSON.parse(text(client.on(ALERTS)[0].payload))).toMatchObject({ n: "hr", level: "high", v: 140, news2: 3 });
    expect(link.calls).toEqual(["request", "release", "request", "release"]);
    clock.advance(39_000); // the regular upload, a period after the first
    expect(link.calls).toHaveLength(5);
    app.close();
  });

  it("wakes at once for every reading of a kind marked urgent, and sends it", () => {
    const { app, client, clock, link, ackAll } = rig({ urgent: ["temp"] });
    app.start(link);
    client.up();
    ackAll();
    const before = client.on(TELEMETRY).length;
    clock.advance(5000); // the next temperature reading
    expect(link.calls).toEqual(["request", "release", "request"]);
    client.up();
    ackAll();
    const sent = client.on(TELEMETRY).slice(before).map((m) => text(m.payload));
    expect(sent.join("")).toContain('"n":"temp"');
    // That cycle ends; the next temperature reading wakes the uplink again.
    expect(link.calls).toEqual(["request", "release", "request", "release"]);
    clock.advance(5000);
    expect(link.calls).toEqual(["request", "release", "request", "release", "request"]);
    app.close();
  });

  it("period 0 is always connected; a period set remotely ends the connection once settled, and 0 brings it back", () => {
    const { app, client, clock, link, ackAll } = rig({ uploadPeriodMs: 0 });
    app.start(link);
    client.up();
    ackAll();
    clock.advance(120_000);
    expect(link.calls).toEqual(["request"]);
    expect(client.disconnectCalls).toBe(0);
    client.deliver("devices/wearable-001/config", JSON.stringify({ uploadPeriodMs: 300_000 }));
    ackAll();
    expect(link.calls).toEqual(["request", "release"]);
    expect(statuses(client).at(-1)?.state).toBe("sleeping");
    client.deliver("devices/wearable-001/config", JSON.stringify({ uploadPeriodMs: 0 })); // e.g. retained, at the next upload
    expect(link.calls).toEqual(["request", "release", "request"]);
    expect(client.connectCalls).toBe(2);
    app.close();
  });

  it("without a network port, cycles the connection alone", () => {
    const { app, client, ackAll } = rig();
    app.start();
    client.up();
    ackAll();
    expect(client.disconnectCalls).toBe(1);
    app.close();
  });
});
