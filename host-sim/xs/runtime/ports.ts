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
import type { WireError } from "../wire.js";
import { addEventTarget, removeEventTarget, request, reviveHostError } from "./link.js";

function port(name: string, op: string, fields: Record<string, unknown> = {}): unknown {
  return request({ kind: "port", port: name, op, ...fields });
}

/** Socket port: host-side events come back as onReadable / onWritable / onError, as on the device. */
export class XsSocket implements Socket {
  private readonly id: number;
  private closed = false;

  constructor(options: SocketOptions) {
    const { onReadable, onWritable, onError, ...connection } = options;
    this.id = addEventTarget({
      readable: (count) => onReadable?.call(this, count as number),
      writable: (count) => onWritable?.call(this, count as number),
      error: (error) => {
        this.release();
        onError?.call(this, error ? reviveHostError(error as WireError) : undefined);
      },
    });
    port("socket", "open", { id: this.id, options: connection });
  }

  read(): ArrayBuffer | undefined {
    return port("socket", "read", { id: this.id }) as ArrayBuffer | undefined;
  }

  write(bytes: BufferLike): number {
    return port("socket", "write", { id: this.id, bytes }) as number;
  }

  close(): void {
    if (this.closed) return;
    this.release();
    port("socket", "close", { id: this.id });
  }

  private release(): void {
    this.closed = true;
    removeEventTarget(this.id);
  }
}

/** Clock port: ticks and wall time are the host clock's; timers are set on the host and fire as events. */
export const xsClock: Clock = {
  ticks: () => port("clock", "ticks") as number,
  wallTime: () => (port("clock", "wallTime") as number | null) ?? undefined,
  set(callback: () => void, milliseconds: number): TimerId {
    const id = addEventTarget({
      fire: () => {
        removeEventTarget(id);
        callback();
      },
    });
    port("clock", "set", { id, milliseconds });
    return id;
  },
  clear(id: TimerId): void {
    if (typeof id !== "number") return;
    removeEventTarget(id);
    port("clock", "clear", { id });
  },
};

/** Storage port, forwarded to the host's storage. */
export const xsStorage: Storage = {
  read: (name) => (port("storage", "read", { name }) as ArrayBuffer | null) ?? undefined,
  append: (name, bytes) => void port("storage", "append", { name, bytes }),
  write: (name, bytes) => void port("storage", "write", { name, bytes }),
  delete: (name) => void port("storage", "delete", { name }),
};

let nextBus = 1;

/** I2C port (ECMA-419 shape): each transfer is one synchronous round trip, like a native bus call. */
export class XsI2C implements I2C {
  private readonly id = nextBus++;

  constructor(options: I2COptions) {
    port("i2c", "open", { id: this.id, options });
  }

  read(count: number): ArrayBuffer {
    return port("i2c", "read", { id: this.id, count }) as ArrayBuffer;
  }

  write(bytes: BufferLike, stop?: boolean): void {
    port("i2c", "write", { id: this.id, bytes, stop });
  }

  close(): void {
    port("i2c", "close", { id: this.id });
  }
}
