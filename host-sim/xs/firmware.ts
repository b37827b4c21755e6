// Runs a firmware bundle inside the XS engine and talks to it: call the functions the entry exposed,
// forward its ports to Node bindings, and keep the engine's meters.
//
//   const xs = await XsFirmware.start({ entry: "test/xs/entries/codec-batches.ts" });
//   const packets = await xs.call("decodeAll", frames, 4);
//   xs.meters.compute; await xs.heap(); await xs.close();
import { XsError, XsWorker, type Meters, type XsReply } from "./bridge.js";
import { bundleForXs } from "./bundle.js";
import { firmwareErrorPrototypes as errorPrototypes } from "./error-classes.js";
import { measureHeap, type HeapUse } from "./heap.js";
import { HostPorts, type HostBindings, type PortRequest } from "./host-ports.js";
import {
  ANSWER_BYTES,
  ANSWER_ERROR,
  ANSWER_NUMBER,
  ANSWER_UNDEFINED,
  decodePortCall,
  encodeEvent,
  EVENTS,
  MESSAGE,
  PORT_CALL,
} from "./port-frame.js";
import { decodeMessage, encodeMessage, encodePrefixedMessage, reviveError, toWireError, type Utf8, type WireError } from "./bridge-format.js";

const utf8: Utf8 = {
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

export interface XsFirmwareOptions {
  /** The XS entry module (TypeScript) that imports the firmware and exposes functions (runtime/host-channel.ts). */
  entry: string;
  ports?: HostBindings;
  name?: string;
  replyTimeoutMs?: number;
  meteringLimit?: number;
  onPrint?: (line: string) => void;
  onStderr?: (text: string) => void;
}

/** Meters summed over every crank (calls and events) since the last resetMeters(). */
export interface MeterTotals {
  compute: number;
  cranks: number;
  /** From the latest crank: slots in the heap (live slots right after a collection). */
  currentHeapCount: number;
  /** From the latest crank: bytes mapped by the machine. */
  allocate: number;
}

interface Settlement {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type CallReply = { value?: unknown; settlement?: number; error?: WireError };
type SettleRequest = { kind: "settle"; settlement: number; value?: unknown; error?: WireError };

export class XsFirmware {
  readonly meters: MeterTotals = { compute: 0, cranks: 0, currentHeapCount: 0, allocate: 0 };
  private readonly worker: XsWorker;
  private readonly ports: HostPorts;
  private readonly settlements = new Map<number, Settlement>();
  private readonly early = new Map<number, SettleRequest>();
  private deliveries: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(options: XsFirmwareOptions) {
    this.worker = new XsWorker({
      name: options.name ?? options.entry,
      replyTimeoutMs: options.replyTimeoutMs,
      meteringLimit: options.meteringLimit,
      onPrint: options.onPrint,
      onStderr: options.onStderr,
      onFailure: (error) => {
        this.failure ??= error;
        this.rejectAll(this.failure);
      },
      onRequest: (bytes) =>
        bytes[0] === PORT_CALL
          ? this.onPortCall(bytes)
          : encodeMessage(this.onRequest(decodeMessage(bytes.subarray(1), utf8) as Record<string, unknown>), utf8),
    });
    this.ports = new HostPorts(options.ports ?? {}, (target, name, args) => this.post(target, name, args));
  }

  /** Bundle the entry, start a worker and evaluate the bundle in it. */
  static async start(options: XsFirmwareOptions): Promise<XsFirmware> {
    const script = await bundleForXs(options.entry);
    const firmware = new XsFirmware(options);
    try {
      firmware.count(await firmware.worker.evaluate(script));
    } catch (error) {
      await firmware.close();
      throw error;
    }
    return firmware;
  }

  /** Call a function the entry exposed; resolves when it returns or, if it returned a promise, settles. */
  async call<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
    if (this.failure) throw this.failure;
    const reply = await this.worker.deliver(messageFrame({ kind: "call", name, args }));
    this.count(reply);
    const answer = decodeMessage(reply.bytes, utf8) as CallReply;
    if (answer.error) throw reviveError(answer.error, errorPrototypes);
    if (answer.settlement === undefined) return answer.value as T;
    const id = answer.settlement;
    return new Promise<T>((resolve, reject) => {
      this.settlements.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const settled = this.early.get(id);
      if (settled) {
        this.early.delete(id);
        this.settle(settled);
      } else if (this.failure) {
        this.rejectAll(this.failure);
      }
    });
  }

  /** Resolves when every event queued so far has been delivered to XS. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.deliveries;
      await seen;
    } while (seen !== this.deliveries);
    if (this.failure) throw this.failure;
  }

  resetMeters(): void {
    this.meters.compute = 0;
    this.meters.cranks = 0;
  }

  /**
   * Collect garbage in XS; afterwards meters.currentHeapCount is the live slot count, and it grows by one
   * per slot allocated until the next collection, so the difference counts allocations.
   */
  async collectGarbage(): Promise<void> {
    await this.call("$gc");
  }

  /** The exact live heap (a snapshot after a full collection). */
  async heap(): Promise<HeapUse> {
    return measureHeap(this.worker);
  }

  /** The first fatal error (an exception thrown by an XS event handler, or the worker dying). */
  get error(): Error | undefined {
    return this.failure;
  }

  async close(): Promise<void> {
    this.closed = true; // what fails from here on is the end we asked for, not the firmware's error
    this.ports.close();
    await this.worker.close();
    this.rejectAll(this.failure ?? new XsError("exited", "XS firmware closed"));
  }

  private onRequest(message: Record<string, unknown>): unknown {
    if (message.kind === "settle") {
      const settle = message as SettleRequest;
      if (this.settlements.has(settle.settlement)) this.settle(settle);
      else this.early.set(settle.settlement, settle);
      return {};
    }
    if (message.kind === "port") {
      try {
        return { value: this.ports.handle(message as unknown as PortRequest) };
      } catch (error) {
        return { error: toWireError(error) };
      }
    }
    throw new Error(`unknown request kind ${String(message.kind)}`);
  }

  private onPortCall(bytes: Uint8Array): Uint8Array {
    const call = decodePortCall(bytes);
    try {
      const value = this.ports.handle({
        port: call.port,
        op: call.op,
        id: call.id,
        position: call.id,
        count: call.arg,
        milliseconds: call.arg,
        stop: call.arg !== 0,
        name: utf8.decode(call.name),
        bytes: call.bytes.slice().buffer,
      });
      return encodeAnswer(value);
    } catch (error) {
      return encodePrefixedMessage(ANSWER_ERROR, toWireError(error), utf8);
    }
  }

  private settle(settle: SettleRequest): void {
    const settlement = this.settlements.get(settle.settlement);
    if (!settlement) return;
    this.settlements.delete(settle.settlement);
    if (settle.error) settlement.reject(reviveError(settle.error, errorPrototypes));
    else settlement.resolve(settle.value);
  }

  private post(target: number, name: string, args: () => unknown[] | undefined): void {
    if (this.failure || this.closed) return;
    const delivery = this.worker.deliverWhenFree(() => {
      const values = args(); // taken now, so a count reflects the host state when XS sees it
      if (!values) return undefined;
      const code = (EVENTS as readonly string[]).indexOf(name);
      if (code >= 0 && values.length <= 1 && (values[0] === undefined || typeof values[0] === "number")) {
        return encodeEvent(target, code, (values[0] as number | undefined) ?? 0);
      }
      return messageFrame({ kind: "event", target, name, args: values });
    });
    this.deliveries = delivery.then(
      (reply) => reply && this.count(reply),
      (error: Error) => {
        if (this.closed) return;
        this.failure ??= error;
        this.rejectAll(this.failure);
      },
    );
  }

  private count(reply: XsReply): void {
    const meters: Meters = reply.meters;
    this.meters.compute += meters.compute;
    this.meters.cranks += 1;
    this.meters.currentHeapCount = meters.currentHeapCount;
    this.meters.allocate = meters.allocate;
  }

  private rejectAll(error: Error): void {
    for (const settlement of this.settlements.values()) settlement.reject(error);
    this.settlements.clear();
  }
}

/** A port's return value in the binary answer form of port-frame.ts. */
function encodeAnswer(value: unknown): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array([ANSWER_UNDEFINED]);
  if (typeof value === "number") {
    const out = new Uint8Array(9);
    out[0] = ANSWER_NUMBER;
    new DataView(out.buffer).setFloat64(1, value);
    return out;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const out = new Uint8Array(bytes.length + 1);
    out[0] = ANSWER_BYTES;
    out.set(bytes, 1);
    return out;
  }
  throw new Error(`a port returned ${typeof value}, which a port call cannot carry`);
}

/** A JSON message for handleCommand, behind its MESSAGE prefix. */
function messageFrame(message: unknown): Uint8Array {
  return encodePrefixedMessage(MESSAGE, message, utf8);
}
