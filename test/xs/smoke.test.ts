// The bridge to the XS engine: calls, bytes, typed errors, timers, storage, the device's globals, and
// failures that must surface as clear errors, never as a hang.
import { afterEach, describe, expect, it } from "vitest";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { XsError, XsWorker } from "../../host-sim/xs/bridge.js";
import { bundleForXs } from "../../host-sim/xs/bundle.js";
import { xsnapWorkerPath } from "../../host-sim/xs/worker-binary.js";
import { NON_DEVICE_GLOBALS } from "../../host-sim/xs/device-globals.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { MemoryStorage } from "../../support/memory-storage.js";

const entry = "test/xs/entries/smoke.ts";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function start(ports = {}) {
  const xs = await XsFirmware.start({ entry, ports });
  open.push(xs);
  return xs;
}

describe("XS bridge", () => {
  it("calls an exposed function and returns its value with the engine's meters", async () => {
    const xs = await start();
    xs.resetMeters();
    expect(await xs.call("add", 2, 40)).toBe(42);
    expect(xs.meters.cranks).toBe(1);
    expect(xs.meters.compute).toBeGreaterThan(0);
    expect(xs.meters.currentHeapCount).toBeGreaterThan(0);
  });

  it("meters the same work identically in two separate workers (compute is deterministic)", async () => {
    const computeOf = async () => {
      const xs = await start();
      xs.resetMeters();
      await xs.call("allocate", 5000);
      return xs.meters.compute;
    };
    const [a, b] = await Promise.all([computeOf(), computeOf()]);
    expect(a).toBeGreaterThan(5000);
    expect(a).toBe(b);
  });

  it("passes bytes both ways as ArrayBuffers", async () => {
    const xs = await start();
    const reversed = await xs.call<ArrayBuffer>("reverseBytes", new Uint8Array([1, 2, 3, 0, 255]));
    expect([...new Uint8Array(reversed)]).toEqual([255, 0, 3, 2, 1]);
  });

  it("runs firmware as strict code without the globals the device lacks", async () => {
    const xs = await start();
    expect(await xs.call("isStrict")).toBe(true);
    const types = await xs.call<string[]>("typeOfGlobals", [...NON_DEVICE_GLOBALS, "Buffer", "process", "setTimeout", "console"]);
    expect(types.every((type) => type === "undefined")).toBe(true);
    expect(await xs.call("typeOfGlobals", ["trace", "Date", "DataView"])).toEqual(["function", "function", "function"]);
    await expect(xs.call("useTextEncoder")).rejects.toThrow(/TextEncoder/);
  });

  it("carries a typed firmware error across the bridge with its class and code", async () => {
    const xs = await start();
    const error = await xs.call("throwTls").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "hostname-mismatch" });
  });

  it("fires XS timers from the host clock in order and honours clear", async () => {
    const clock = new VirtualClock();
    const xs = await start({ clock });
    await xs.call("startTimers", 100);
    expect(clock.pending).toBe(2);
    // Timer events reach XS after the host's advance() returns: step and let each one land.
    clock.advance(100);
    await xs.idle();
    clock.advance(100);
    await xs.idle();
    clock.advance(50);
    expect(await xs.call("firedTimers")).toEqual(["first after 100", "second after 200"]);
  });

  it("settles a promise an exposed function returned once host events resolve it", async () => {
    const clock = new VirtualClock();
    const xs = await start({ clock });
    const sleeping = xs.call("sleep", 10);
    await expect.poll(() => clock.pending).toBe(1);
    clock.advance(10);
    await expect(sleeping).resolves.toBeUndefined();
    const rejected = xs.call("rejectLater", 5);
    await expect.poll(() => clock.pending).toBe(1);
    clock.advance(5);
    await expect(rejected).rejects.toBeInstanceOf(TlsError);
  });

  it("forwards storage to the host binding, ranged reads and sizes included", async () => {
    const storage = new MemoryStorage();
    const xs = await start({ storage });
    const result = await xs.call<{ whole: ArrayBuffer; size: number; middle: ArrayBuffer; tail: ArrayBuffer; past: ArrayBuffer; afterDelete: boolean }>(
      "storageRoundTrip",
      "outbox",
      new Uint8Array([1, 2]),
      new Uint8Array([3]),
    );
    expect([...new Uint8Array(result.whole)]).toEqual([1, 2, 3]);
    expect(result.size).toBe(3);
    expect([...new Uint8Array(result.middle)]).toEqual([2]);
    expect([...new Uint8Array(result.tail)]).toEqual([2, 3]);
    expect(result.past.byteLength).toBe(0);
    expect(result.afterDelete).toBe(true);
  });

  it("fails clearly when the firmware uses a port the host did not provide", async () => {
    const xs = await start();
    await expect(xs.call("startTimers", 1)).rejects.toThrow(/clock port, but no host binding/);
  });

  it("surfaces an exception thrown in an XS timer callback as the firmware's fatal error", async () => {
    const clock = new VirtualClock();
    const xs = await start({ clock });
    await xs.call("throwInTimer", 1);
    clock.advance(1);
    await expect(xs.idle()).rejects.toThrow(/XS exception.*boom from a timer/);
    await expect(xs.call("add", 1, 1)).rejects.toThrow(/boom from a timer/);
  });

  it("measures the live heap from a snapshot and sees it grow with retained objects", async () => {
    const xs = await start();
    const before = await xs.heap();
    expect(before.hostSlotBytes).toBe(32);
    expect(before.slots).toBeGreaterThan(1000);
    expect(before.chunkBytes).toBeGreaterThan(0);
    expect(await xs.heap()).toEqual(before); // after a full collection the heap is exactly reproducible
  });
});

describe("XS bundles", () => {
  it("routes the device's trace() to the host, one line per call", async () => {
    const lines: string[] = [];
    const xs = await XsFirmware.start({ entry, onPrint: (line) => lines.push(line) });
    open.push(xs);
    await xs.call("log", "heart rate 72");
    await expect.poll(() => lines).toEqual(["heart rate 72"]);
  });

  it("fails to start, with the XS message, when a module throws while loading", async () => {
    await expect(XsFirmware.start({ entry: "test/xs/entries/fails-at-load.ts" })).rejects.toThrow(/XS exception.*TypeError/);
  });

  it("refuses to bundle firmware that imports a Node module", async () => {
    await expect(bundleForXs("test/xs/entries/uses-node.ts")).rejects.toThrow(/imports the Node module "node:fs"/);
  });
});

describe("XsWorker failures", () => {
  it("reports an XS exception with its message and keeps the worker usable", async () => {
    const worker = new XsWorker({ name: "exceptions" });
    open.push(worker);
    await expect(worker.evaluate("null.x")).rejects.toThrow(/XS exception in exceptions: TypeError/);
    const reply = await worker.evaluate("new Uint8Array([7]).buffer");
    expect([...reply.bytes]).toEqual([7]);
  });

  it("stops a runaway crank at the metering limit with a clear error", async () => {
    const worker = new XsWorker({ name: "runaway", meteringLimit: 100_000 });
    open.push(worker);
    const error = await worker.evaluate("for (;;);").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XsError);
    expect(error).toMatchObject({ code: "exited" });
    expect(String(error)).toMatch(/too much computation/);
  });

  it("times out instead of hanging when the worker goes silent, and kills it", async () => {
    const worker = new XsWorker({ name: "silent", replyTimeoutMs: 500 });
    open.push(worker);
    await expect(worker.evaluate("for (;;);")).rejects.toMatchObject({ code: "timeout" });
    await expect(worker.evaluate("1")).rejects.toBeInstanceOf(XsError);
  });

  it("says clearly when the worker binary is missing", () => {
    const saved = process.env.XSNAP_WORKER;
    process.env.XSNAP_WORKER = "/nonexistent/xsnap-worker";
    try {
      expect(() => new XsWorker({ name: "missing" })).toThrow(/XSNAP_WORKER=\/nonexistent\/xsnap-worker does not exist/);
    } finally {
      if (saved === undefined) delete process.env.XSNAP_WORKER;
      else process.env.XSNAP_WORKER = saved;
    }
    expect(xsnapWorkerPath()).toMatch(/xsnap-worker$/);
  });

  it("fails every later call once the worker is closed", async () => {
    const worker = new XsWorker({ name: "closed" });
    await worker.close();
    await expect(worker.evaluate("1")).rejects.toMatchObject({ code: "exited" });
  });
});
