// XS bindings of the firmware ports (firmware/platform/ports.ts) that forward to the Node host through the
// bridge. Each one is the XS half of a pair: the Node half (host-ports.ts) drives a real Node binding of
// the same port (TLS socket, clock, storage, the I2C bus with the chip models). Meters taken in XS thus
// count the firmware and this thin forwarding, never the TLS stack or the chip simulation.
import type {
  BufferLike,
  Clock,
  I2C,
  I2COptions,
  Socket,
  SocketOptions,
  Storage,
  TimerId,
} from "../../../firmware/platform/ports.js";
import type { WireError } from "../bridge-format.js";
import { addEventTarget, portCall, removeEventTarget, request, reviveHostError } from "./host-channel.js";

// Port and operation codes of port-frame.ts (PORTS / OPS); `open` goes as a JSON message with its options.
const SOCKET = 0, CLOCK = 1, STORAGE = 2, I2C_PORT = 3;
const READ = 1, WRITE = 2, CLOSE = 3;
const TICKS = 0, WALL_TIME = 1, SET = 2, CLEAR = 3, SET_WALL_TIME = 4;
const STORE_READ = 0, STORE_APPEND = 1, STORE_WRITE = 2, STORE_DELETE = 3, STORE_SIZE = 4;

function open(port: string, fields: Record<string, unknown>): void {
  request({ kind: "port", port, op: "open", ...fields });
}

/** Socket port: host-side events come back as onReadable / onWritable / onError, as on the device. */
export class XsSocket implements Socket {
  /** ECMA-419: the socket keeps the options' `target`, and its callbacks get the socket as `this`. */
  readonly target: unknown;
  private readonly id: number;
  private closed = false;

  constructor(options: SocketOptions) {
    const { onReadable, onWritable, onError, target, ...connection } = options;
    this.target = target;
    this.id = addEventTarget({
      readable: (count) => onReadable?.call(this, count as number),
      writable: (count) => onWritable?.call(this, count as number),
      error: (error) => {
        this.release();
        onError?.call(this, error ? reviveHostError(error as WireError) : undefined);
      },
    });
    open("socket", { id: this.id, options: connection });
  }

  read(): ArrayBuffer | undefined {
    return portCall(SOCKET, READ, this.id, 0) as ArrayBuffer | undefined;
  }

  write(bytes: BufferLike): number {
    return portCall(SOCKET, WRITE, this.id, 0, bytes) as number;
  }

  close(): void {
    if (this.closed) return;
    this.release();
    portCall(SOCKET, CLOSE, this.id, 0);
  }

  private release(): void {
    this.closed = true;
    removeEventTarget(this.id);
  }
}

/** Clock port: ticks and wall time are the host clock's; timers are set on the host and fire as events. */
export const xsClock: Clock = {
  ticks: () => portCall(CLOCK, TICKS, 0, 0) as number,
  wallTime: () => portCall(CLOCK, WALL_TIME, 0, 0) as number | undefined,
  setWallTime: (milliseconds) => void portCall(CLOCK, SET_WALL_TIME, 0, milliseconds),
  set(callback: () => void, milliseconds: number): TimerId {
    const id = addEventTarget({
      fire: () => {
        removeEventTarget(id);
        callback();
      },
    });
    portCall(CLOCK, SET, id, milliseconds);
    return id;
  },
  clear(id: TimerId): void {
    if (typeof id !== "number") return;
    removeEventTarget(id);
    portCall(CLOCK, CLEAR, id, 0);
  },
};

/** Storage port, forwarded to the host's storage. A read's position goes as the call's id, its count as the
 *  argument (-1: to the end), see port-frame.ts. */
export const xsStorage: Storage = {
  read: (name, position = 0, count = -1) => portCall(STORAGE, STORE_READ, position, count, undefined, name) as ArrayBuffer | undefined,
  size: (name) => portCall(STORAGE, STORE_SIZE, 0, 0, undefined, name) as number | undefined,
  append: (name, bytes) => void portCall(STORAGE, STORE_APPEND, 0, 0, bytes, name),
  write: (name, bytes) => void portCall(STORAGE, STORE_WRITE, 0, 0, bytes, name),
  delete: (name) => void portCall(STORAGE, STORE_DELETE, 0, 0, undefined, name),
};

let nextBus = 1;

/** I2C port (ECMA-419 shape): each transfer is one synchronous round trip, like a native bus call. */
export class XsI2C implements I2C {
  private readonly id = nextBus++;

  constructor(options: I2COptions) {
    open("i2c", { id: this.id, options });
  }

  read(count: number): ArrayBuffer {
    return portCall(I2C_PORT, READ, this.id, count) as ArrayBuffer;
  }

  write(bytes: BufferLike, stop?: boolean): void {
    portCall(I2C_PORT, WRITE, this.id, stop === false ? 0 : 1, bytes);
  }

  close(): void {
    portCall(I2C_PORT, CLOSE, this.id, 0);
  }
}
