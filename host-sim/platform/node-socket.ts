// The Socket port over node:net / node:tls, with ECMA-419 semantics: progress only through onReadable /
// onWritable / onError, and a bounded writable window. write() throws when asked to take more than the
// window has left, so a client that ignores backpressure fails on the host exactly as it would overflow
// the device's small TCP buffers. TLS goes through the device TLS profile (host-sim/tls-profile*.ts):
// the DER options, the device's suites and checks, and TLS failures as TlsError all live there. As the
// device's TLS does, a connection resumes the TLS session of the last one to the same server name by its
// session id: one session kept per set of credentials (`secure`), so two identities never share one.
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import type { BufferLike, Clock, Socket, SocketConstructor, SocketOptions, TlsOptions } from "../../firmware/platform/ports.js";
import { connectTls } from "../tls-profile-connect.js";
import type { TlsProfile } from "../tls-profile.js";

export interface NodeSocketSettings {
  /** Writable window in bytes (default 4096, about what an ESP32 lwIP send buffer holds). */
  window?: number;
  /** "device" (default): TLS 1.2, the Moddable suites, SAN-only names, dates by the device clock. */
  tlsProfile?: TlsProfile;
  /** The device clock whose wall time certificate dates are checked against (default: the host's). */
  clock?: Pick<Clock, "wallTime">;
  /** Resume TLS sessions as the device does (default true; the "device" profile only). */
  resume?: boolean;
}

/** The last TLS session per set of credentials, for its server name: the device's TLS keeps one entry
 *  (the SDK's ssl/cache), by server name. */
const sessions = new WeakMap<TlsOptions, { name: string; session: Buffer }>();

/** A Socket class (SocketConstructor) with the given settings. */
export function nodeSocketClass(settings: NodeSocketSettings = {}): SocketConstructor {
  return class extends NodeSocketImpl {
    constructor(options: SocketOptions) {
      super(options, settings);
    }
  };
}

class NodeSocketImpl implements Socket {
  private socket: NetSocket | undefined;
  private readonly options: SocketOptions;
  private readonly window: number;
  private available = 0;
  private chunks: Buffer[] = [];
  private unread = 0;
  private done = false;
  private established = false;

  constructor(options: SocketOptions, settings: NodeSocketSettings) {
    this.options = options;
    this.window = settings.window ?? 4096;
    const host = options.address ?? options.host;
    if (!host) throw new TypeError("socket needs an address or host");
    if (options.secure) {
      const clock = settings.clock;
      const secure = options.secure;
      const profile = settings.tlsProfile ?? "device";
      const name = secure.serverName ?? options.host ?? host;
      const resume = profile === "device" && settings.resume !== false;
      const cached = resume ? sessions.get(secure) : undefined;
      const ctx = {
        host: options.host ?? host,
        address: options.address,
        port: options.port,
        profile,
        wallTime: () => (clock ? clock.wallTime() : Date.now()),
        session: cached?.name === name ? cached.session : undefined,
      };
      // Handshake failures arrive as one TlsError through onError; later errors are the connection's.
      this.socket = connectTls(secure, ctx, {
        onSecure: () => this.opened(),
        onError: (error) => this.fail(error),
        onSession: resume ? (session) => sessions.set(secure, { name, session }) : undefined,
      });
    } else {
      this.socket = netConnect({ host, port: options.port });
      this.socket.once("connect", () => this.opened());
    }
    const socket = this.socket;
    if (!socket) return; // refused before connecting; onError follows
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      if (this.done) return;
      this.chunks.push(chunk);
      this.unread += chunk.length;
      this.options.onReadable?.(this.unread);
    });
    socket.on("error", (error: Error) => {
      if (options.secure && !this.established) return; // connectTls reports it as a TlsError or NetworkError
      // A refused connect is its own case: nothing listens there (the broker is down, or a wrong port).
      this.fail((error as NodeJS.ErrnoException).code === "ECONNREFUSED" ? new NetworkError("connection-refused", `${error.message}`) : error);
    });
    socket.on("close", () => this.fail(new ConnectionClosedError()));
  }

  read(): ArrayBuffer | undefined {
    if (this.chunks.length === 0) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.unread = 0;
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  }

  write(bytes: BufferLike): number {
    const socket = this.socket;
    if (this.done || !socket) throw new ConnectionClosedError();
    const view = ArrayBuffer.isView(bytes)
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : Buffer.from(bytes);
    if (view.length > this.available) {
      throw new RangeError(`write of ${view.length} bytes exceeds the writable count ${this.available}`);
    }
    this.available -= view.length;
    socket.write(view, () => {
      if (this.done) return;
      this.available += view.length;
      this.options.onWritable?.(this.available);
    });
    return this.available;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    const socket = this.socket;
    if (!socket) return;
    // end() lets what was written (a DISCONNECT) go out first; destroy() bounds how long that may take.
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
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
    this.socket?.destroy();
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

/** The default Socket class: a 4096-byte window, the device TLS profile. */
export const NodeSocket: SocketConstructor = nodeSocketClass();
