// Smallest XS entry: exercises the bridge itself (calls, bytes, errors, timers, the device globals).
import { TlsError } from "../../../firmware/mqtt/platform/tls-error.js";
import { expose } from "../../../host-sim/xs/runtime/host-channel.js";
import { xsClock, xsStorage } from "../../../host-sim/xs/runtime/ports.js";

let pendingThrow = false;
const fired: string[] = [];

declare const trace: (...values: unknown[]) => void; // a device global (Moddable), not in the TS libs

expose({
  log: (text: string) => trace(text, "\n"),
  add: (a: number, b: number) => a + b,
  reverseBytes: (bytes: ArrayBuffer) => new Uint8Array(bytes).slice().reverse().buffer,
  typeOfGlobals: (names: string[]) => names.map((name) => typeof (globalThis as Record<string, unknown>)[name]),
  isStrict: () =>
    (function (this: unknown) {
      return this === undefined;
    })(),
  throwTls: () => {
    throw new TlsError("hostname-mismatch", "broker.example is not in the certificate");
  },
  useTextEncoder: () => new (globalThis as unknown as { TextEncoder: new () => unknown }).TextEncoder(),
  // Timer results are kept in XS and read back by a later call, so the host decides when time moves.
  startTimers: (milliseconds: number) => {
    const start = xsClock.ticks();
    xsClock.set(() => fired.push(`first after ${xsClock.ticks() - start}`), milliseconds);
    const cancelled = xsClock.set(() => fired.push("cancelled timer fired"), milliseconds);
    xsClock.clear(cancelled);
    xsClock.set(() => fired.push(`second after ${xsClock.ticks() - start}`), milliseconds * 2);
  },
  firedTimers: () => fired,
  sleep: (milliseconds: number) => new Promise<void>((resolve) => xsClock.set(resolve, milliseconds)),
  storageRoundTrip: (name: string, first: ArrayBuffer, second: ArrayBuffer) => {
    xsStorage.write(name, first);
    xsStorage.append(name, second);
    const whole = xsStorage.read(name);
    const size = xsStorage.size(name);
    const middle = xsStorage.read(name, 1, 1);
    const tail = xsStorage.read(name, 1);
    const past = xsStorage.read(name, 9, 1);
    xsStorage.delete(name);
    return { whole, size, middle, tail, past, afterDelete: xsStorage.read(name) === undefined && xsStorage.size(name) === undefined };
  },
  rejectLater: (milliseconds: number) =>
    new Promise((_, reject) => xsClock.set(() => reject(new TlsError("expired", "late")), milliseconds)),
  throwInTimer: (milliseconds: number) => {
    pendingThrow = true;
    xsClock.set(() => {
      throw new Error(`boom from a timer (${pendingThrow})`);
    }, milliseconds);
  },
  allocate: (count: number) => {
    const kept: number[][] = [];
    for (let i = 0; i < count; i++) kept.push([i, i + 1]);
    return kept.length;
  },
  spin: () => {
    for (;;);
  },
});
