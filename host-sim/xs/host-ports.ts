// Node half of the forwarded ports (the XS half is runtime/ports.ts): runs each port request from XS on a
// real Node binding of the same port interface, and turns that binding's callbacks into events for XS.
import type {
  Clock,
  I2C,
  I2CConstructor,
  Socket,
  SocketConstructor,
  SocketOptions,
  Storage,
  TimerId,
} from "../../firmware/platform/ports.js";
import { toWireError } from "./bridge-format.js";

/** The Node bindings XS gets through the bridge; a port left out fails clearly when XS uses it. */
export interface HostBindings {
  Socket?: SocketConstructor;
  clock?: Clock;
  storage?: Storage;
  I2C?: I2CConstructor;
}

/**
 * Deliver an event to an XS event target, queued after the crank in progress. `args` runs when XS is
 * about to receive it, so counts describe the socket at that moment (as the device computes them when it
 * calls back); returning undefined drops the event (nothing left to report).
 */
export type PostEvent = (target: number, name: string, args: () => unknown[] | undefined) => void;

export interface PortRequest {
  port: "socket" | "clock" | "storage" | "i2c";
  op: string;
  id?: number;
  [field: string]: unknown;
}

interface OpenSocket {
  socket: Socket;
  /** Bytes waiting to be read, as last reported by the socket (0 after a read: read() takes all). */
  readable: number;
  /** Bytes that may be written, as last reported by onWritable or write(). */
  writable: number;
}

export class HostPorts {
  private readonly sockets = new Map<number, OpenSocket>();
  private readonly timers = new Map<number, TimerId>();
  private readonly buses = new Map<number, I2C>();

  constructor(
    private readonly bindings: HostBindings,
    private readonly post: PostEvent,
  ) {}

  handle(request: PortRequest): unknown {
    switch (request.port) {
      case "socket":
        return this.socket(request);
      case "clock":
        return this.clock(request);
      case "storage":
        return this.storage(request);
      case "i2c":
        return this.i2c(request);
    }
    throw new Error(`unknown port ${String(request.port)}`);
  }

  /** Release everything XS opened: sockets, pending timers, buses. */
  close(): void {
    for (const open of this.sockets.values()) open.socket.close();
    this.sockets.clear();
    const clock = this.bindings.clock;
    if (clock) for (const timer of this.timers.values()) clock.clear(timer);
    this.timers.clear();
    for (const bus of this.buses.values()) bus.close();
    this.buses.clear();
  }

  private need<K extends keyof HostBindings>(name: K): NonNullable<HostBindings[K]> {
    const binding = this.bindings[name];
    if (!binding) throw new Error(`the XS firmware used the ${name} port, but no host binding was given for it`);
    return binding as NonNullable<HostBindings[K]>;
  }

  private socket(request: PortRequest): unknown {
    const id = request.id as number;
    if (request.op === "open") {
      const Socket = this.need("Socket");
      const options = request.options as Omit<SocketOptions, "onReadable" | "onWritable" | "onError">;
      const open: OpenSocket = { socket: undefined as unknown as Socket, readable: 0, writable: 0 };
      this.sockets.set(id, open);
      try {
        open.socket = new Socket({
          ...options,
          onReadable: (count) => {
            open.readable = count;
            this.post(id, "readable", () => (this.sockets.get(id) === open && open.readable > 0 ? [open.readable] : undefined));
          },
          onWritable: (count) => {
            open.writable = count;
            this.post(id, "writable", () => (this.sockets.get(id) === open ? [open.writable] : undefined));
          },
          onError: (error) => {
            this.sockets.delete(id);
            this.post(id, "error", () => [error ? toWireError(error) : undefined]);
          },
        });
      } catch (error) {
        this.sockets.delete(id);
        throw error;
      }
      return undefined;
    }
    const open = this.sockets.get(id);
    if (request.op === "close") {
      this.sockets.delete(id);
      open?.socket.close();
      return undefined;
    }
    if (!open) throw new Error(`socket ${id} is closed`);
    if (request.op === "read") {
      open.readable = 0;
      return open.socket.read();
    }
    if (request.op === "write") return (open.writable = open.socket.write(request.bytes as ArrayBuffer));
    throw new Error(`unknown socket op ${request.op}`);
  }

  private clock(request: PortRequest): unknown {
    const clock = this.need("clock");
    const id = request.id as number;
    switch (request.op) {
      case "ticks":
        return clock.ticks();
      case "wallTime":
        return clock.wallTime();
      case "setWallTime":
        clock.setWallTime(request.milliseconds as number);
        return undefined;
      case "set":
        this.timers.set(
          id,
          clock.set(() => {
            this.timers.delete(id);
            this.post(id, "fire", () => []);
          }, request.milliseconds as number),
        );
        return undefined;
      case "clear":
        if (this.timers.has(id)) clock.clear(this.timers.get(id));
        this.timers.delete(id);
        return undefined;
    }
    throw new Error(`unknown clock op ${request.op}`);
  }

  private storage(request: PortRequest): unknown {
    const storage = this.need("storage");
    const name = request.name as string;
    switch (request.op) {
      case "read": {
        const count = request.count as number;
        return storage.read(name, request.position as number, count < 0 ? undefined : count);
      }
      case "size":
        return storage.size(name);
      case "append":
        return storage.append(name, request.bytes as ArrayBuffer);
      case "write":
        return storage.write(name, request.bytes as ArrayBuffer);
      case "delete":
        return storage.delete(name);
    }
    throw new Error(`unknown storage op ${request.op}`);
  }

  private i2c(request: PortRequest): unknown {
    const id = request.id as number;
    if (request.op === "open") {
      const I2C = this.need("I2C");
      this.buses.set(id, new I2C(request.options as ConstructorParameters<I2CConstructor>[0]));
      return undefined;
    }
    const bus = this.buses.get(id);
    if (!bus) throw new Error(`I2C bus ${id} is closed`);
    switch (request.op) {
      case "read":
        return bus.read(request.count as number);
      case "write":
        return bus.write(request.bytes as ArrayBuffer, request.stop as boolean | undefined);
      case "close":
        this.buses.delete(id);
        return bus.close();
    }
    throw new Error(`unknown I2C op ${request.op}`);
  }
}
