// The Socket port over node:net / node:tls, with ECMA-419 semantics: progress only through onReadable /
// onWritable / onError, and a bounded writable window. write() throws when asked to take more than the
// window has left, so a client that ignores backpressure fails on the host exactly as it would overflow
// the device's small TCP buffers.
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { BufferLike, Socket, SocketConstructor, SocketOptions } from "../../firmware/platform/ports.js";
import { nodeTlsOptions, tlsErrorFrom } from "./node-tls-options.js";

export interface NodeSocketSettings {
  /** Writable window in bytes (default 4096, about what an ESP32 lwIP send buffer holds). */
  window?: number;
}

/** A Socket class (SocketConstructor) with the given window. */
export function nodeSocketClass(settings: NodeSocketSettings = {}): SocketConstructor {
  const window = settings.window ?? 4096;
  return class extends NodeSocketImpl {
    constructor(options: SocketOptions) {
      super(options, window);
    }
  };
}

class NodeSocketImpl implements Socket {
  private readonly socket: NetSocket;
  private readonly options: SocketOptions;
  private available = 0;
  private chunks: Buffer[] = [];
  private unread = 0;
  private done = false;
  private established = false;

  constructor(options: SocketOptions, private readonly window: number) {
    this.options = options;
    const host = options.address ?? options.host;
    if (!host) throw new TypeError("socket needs an address or host");
    if (options.secure) {
      const tls = tlsConnect(nodeTlsOptions(options.secure, { host: options.host ?? host, port: options.port, address: options.address }));
      tls.once("secureConnect", () => this.opened());
      this.socket = tls;
    } else {
      this.socket = netConnect({ host, port: options.port });
      this.socket.once("connect", () => this.opened());
    }
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => {
      if (this.done) return;
      this.chunks.push(chunk);
      this.unread += chunk.length;
      this.options.onReadable?.(this.unread);
    });
    this.socket.on("error", (error: Error & { code?: string }) => {
      this.fail(options.secure && !this.established ? tlsErrorFrom(error) : error);
    });
    this.socket.on("close", () => this.fail(new ConnectionClosedError()));
  }

  read(): ArrayBuffer | undefined {
    if (this.chunks.length === 0) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.unread = 0;
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  }

  write(bytes: BufferLike): number {
    if (this.done) throw new ConnectionClosedError();
    const view = ArrayBuffer.isView(bytes)
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : Buffer.from(bytes);
    if (view.length > this.available) {
      throw new RangeError(`write of ${view.length} bytes exceeds the writable count ${this.available}`);
    }
    this.available -= view.length;
    this.socket.write(view, () => {
      if (this.done) return;
      this.available += view.length;
      this.options.onWritable?.(this.available);
    });
    return this.available;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    // end() lets what was written (a DISCONNECT) go out first; destroy() bounds how long that may take.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private opened(): void {
    if (this.done) return;
    this.established = true;
    this.available = this.window;
    this.options.onWritable?.(this.available);
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    this.options.onError?.(error);
  }
}

/** The peer closed the connection (or it was reset). */
export class ConnectionClosedError extends Error {
  readonly code = "connection-closed";
  constructor() {
    super("connection closed");
    this.name = "ConnectionClosedError";
  }
}

/** The default Socket class: a 4096-byte window. */
export const NodeSocket: SocketConstructor = nodeSocketClass();
