// The live view: a terminal frame redrawn in place, plain key=value lines otherwise, and nothing secret.
import { describe, expect, it } from "vitest";
import { LiveView, plainLine, tableFrame, formatBytes } from "../../host-sim/cli/live-view.js";
import type { DeviceSnapshot } from "../../host-sim/device-sim.js";

function snapshot(over: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  return {
    deviceId: "wearable-001",
    state: "connected",
    bpm: 71.96,
    temperature: 36.613,
    readings: { published: 12, acknowledged: 10, lastSeq: 10 },
    wire: { sent: 5300, received: 4200 },
    outbox: 2,
    recovered: 0,
    connects: 1,
    certificate: { expires: Date.UTC(2028, 0, 1), renewals: 0 },
    ...over,
  };
}

describe("live view", () => {
  it("plain lines carry every figure as key=value", () => {
    const line = plainLine(snapshot(), new Date(Date.UTC(2026, 10, 22, 1, 2, 3)));
    expect(line).toBe("2026-11-22T01:02:03.000Z wearable-001 state=connected hr=72.0 temp=36.61 published=12 acked=10 outbox=2 sent=5300 received=4200");
    const down = plainLine(snapshot({ state: "link down", outageLeft: 4, lastError: "read ECONNRESET", bpm: undefined }), new Date(0));
    expect(down).toContain("state=link-down hr=- ");
    expect(down).toContain('outage-left=4s last-error="read ECONNRESET"');
  });

  it("the terminal frame has a row per device and a total for a fleet", () => {
    const frame = tableFrame({ broker: "mqtts://localhost:8883 (embedded aedes)", goal: 5 }, [snapshot(), snapshot({ deviceId: "wearable-002", state: "reconnecting", lastError: "TLS handshake-failure: x" })], new Date(0));
    expect(frame[0]).toContain("mqtts://localhost:8883 (embedded aedes)");
    expect(frame[1]).toContain("until 5 readings");
    expect(frame.find((l) => l.startsWith("wearable-002"))).toMatch(/reconnecting/);
    expect(frame.find((l) => l.startsWith("total (2)"))).toMatch(/1 connected\s+24\s+20\s+4\s+10\.4 KiB \/ 8\.2 KiB/);
    expect(frame[frame.length - 1]).toBe("wearable-002: TLS handshake-failure: x");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.00 MiB");
  });

  it("redraws in place on a terminal: each frame moves back over the previous one", () => {
    let out = "";
    const view = new LiveView({ out: { write: (t) => (out += t) }, tty: true, header: { broker: "b" }, snapshots: () => [snapshot()] });
    view.update();
    const first = out;
    view.update();
    const second = out.slice(first.length);
    const lines = first.split("\n").length - 1;
    expect(first.startsWith("\x1b[2K")).toBe(true); // the first frame starts where the cursor is
    expect(second.startsWith(`\x1b[${lines}F`)).toBe(true);
  });

  it("cuts lines to the terminal width so the redraw stays in place", () => {
    let out = "";
    const view = new LiveView({ out: { write: (t) => (out += t), columns: 40 }, tty: true, header: { broker: "b" }, snapshots: () => [snapshot()] });
    view.update();
    for (const line of out.split("\n")) expect(line.replace("\x1b[2K", "").length).toBeLessThanOrEqual(39);
  });

  it("prints plain lines when a device's state changes, not on every update", () => {
    let out = "";
    let state: DeviceSnapshot["state"] = "connecting";
    const view = new LiveView({ out: { write: (t) => (out += t) }, tty: false, header: { broker: "b" }, snapshots: () => [snapshot({ state })], plainEveryMs: 3_600_000 });
    view.update();
    view.update();
    state = "connected";
    view.update();
    view.update();
    expect(out.trim().split("\n").map((l) => l.split(" ")[2])).toEqual(["state=connecting", "state=connected"]);
  });
});
