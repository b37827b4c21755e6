// XS side of the bridge (runs inside xsnap-worker, bundled with the firmware): the one channel to the
// Node host. Requests go out through issueCommand (synchronous: the engine blocks until the host
// answers); the host comes in through globalThis.handleCommand with calls (run an exposed function) and
// events (a socket became readable, a timer fired). Pure: no Node API, only what the bundle wrapper
// captured from xsnap before deleting the non-device globals (device-globals.ts).
import { decodeMessage, encodeMessage, encodePrefixedMessage, reviveError, toWireError, type Utf8, type WireError } from "../bridge-format.js";
import { firmwareErrorPrototypes as errorPrototypes } from "../error-classes.js";
import type { BufferLike } from "../../../firmware/platform/ports.js";
import { ANSWER_BYTES, ANSWER_ERROR, ANSWER_NUMBER, encodePortCall, EVENT, EVENTS, MESSAGE } from "../port-frame.js";

interface CapturedGlobals {
  issueCommand(request: ArrayBuffer): ArrayBuffer;
  print(...values: unknown[]): void;
  gc(): void;
  TextEncoder: typeof TextEncoder;
  TextDecoder: typeof TextDecoder;
}
declare const __xsBridgeHost: CapturedGlobals;
const host = __xsBridgeHost;

const encoder = new host.TextEncoder();
const decoder = new host.TextDecoder();
const utf8: Utf8 = { encode: (text) => encoder.encode(text), decode: (bytes) => decoder.decode(bytes) };

export type Exposed = (...args: never[]) => unknown;
export type EventHandler = (...args: unknown[]) => void;

// Built in: a full collection, so the reply's currentHeapCount is the live slot count.
const exposed = new Map<string, Exposed>([["$gc", () => host.gc()]]);
const eventTargets = new Map<number, Record<string, EventHandler>>();
let nextTarget = 1;
let nextSettlement = 1;

function frame(value: unknown): ArrayBuffer {
  const bytes = encodeMessage(value, utf8);
  return bytes.buffer as ArrayBuffer; // encodeMessage allocates exactly, so the buffer is the frame
}

/** Send a request to the host and return its answer; a host-side failure is rethrown here. */
export function request(message: Record<string, unknown>): unknown {
  const out = encodePrefixedMessage(MESSAGE, message, utf8);
  const answer = decodeMessage(new Uint8Array(host.issueCommand(out.buffer as ArrayBuffer)), utf8) as {
    value?: unknown;
    error?: WireError;
  };
  if (answer.error) throw reviveHostError(answer.error);
  return answer.value;
}

function asBytes(bytes: BufferLike): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}

/**
 * A port call in the compact binary form (port-frame.ts): `port` and `op` are codes, `arg` a count, a
 * time or a flag, `name` a storage name. Returns undefined, a number or an ArrayBuffer; rethrows host errors.
 */
export function portCall(port: number, op: number, id: number, arg: number, bytes?: BufferLike, name?: string): unknown {
  const frameBytes = encodePortCall(port, op, id, arg, name === undefined ? undefined : encoder.encode(name), bytes && asBytes(bytes));
  const answer = host.issueCommand(frameBytes.buffer as ArrayBuffer);
  const head = new Uint8Array(answer, 0, 1)[0];
  if (head === ANSWER_NUMBER) return new DataView(answer).getFloat64(1);
  if (head === ANSWER_BYTES) return answer.slice(1);
  if (head === ANSWER_ERROR) throw reviveHostError(decodeMessage(new Uint8Array(answer, 1), utf8) as WireError);
  return undefined;
}

/** Rebuild an error the host sent (e.g. a TlsError from the Node socket) with its firmware class. */
export function reviveHostError(wire: WireError): Error {
  return reviveError(wire, errorPrototypes);
}

/** Make functions callable from the host (XsFirmware.call). They may return a promise. */
export function expose(functions: Record<string, Exposed>): void {
  for (const [name, fn] of Object.entries(functions)) exposed.set(name, fn);
}

/** Register handlers for host events; returns the target id the host addresses them with. */
export function addEventTarget(handlers: Record<string, EventHandler>): number {
  const id = nextTarget++;
  eventTargets.set(id, handlers);
  return id;
}

export function removeEventTarget(id: number): void {
  eventTargets.delete(id);
}

/** Full collection, so the next reply's currentHeapCount counts live slots only. */
export function collectGarbage(): void {
  host.gc();
}

function call(name: string, args: unknown[]): unknown {
  const fn = exposed.get(name);
  if (!fn) throw new Error(`no exposed function ${name}`);
  const result = (fn as (...a: unknown[]) => unknown)(...args);
  if (!(result instanceof Promise)) return { value: result };
  const settlement = nextSettlement++;
  result.then(
    (value) => request({ kind: "settle", settlement, value }),
    (error) => request({ kind: "settle", settlement, error: toWireError(error) }),
  );
  return { settlement };
}

interface Incoming {
  kind: "call" | "event";
  name: string;
  args: unknown[];
  target?: number;
}

const NOTHING = new ArrayBuffer(0); // the host ignores what an event returns

// The worker calls this for every `?` command. Calls answer with {value} | {settlement} | {error}; an
// exception in an event handler propagates, as an uncaught exception in a callback would on the device.
(globalThis as unknown as { handleCommand: (bytes: ArrayBuffer) => ArrayBuffer }).handleCommand = (bytes) => {
  const head = new Uint8Array(bytes, 0, 1)[0];
  if (head === EVENT) {
    const view = new DataView(bytes);
    const handler = eventTargets.get(view.getUint32(1))?.[EVENTS[view.getUint8(5)]];
    if (handler) handler(view.getFloat64(6)); // events for a closed target are dropped, as after close()
    return NOTHING;
  }
  const message = decodeMessage(new Uint8Array(bytes, 1), utf8) as Incoming;
  if (message.kind === "event") {
    const handler = eventTargets.get(message.target ?? 0)?.[message.name];
    if (handler) handler(...message.args);
    return NOTHING;
  }
  try {
    return frame(call(message.name, message.args));
  } catch (error) {
    return frame({ error: toWireError(error) });
  }
};
