// The Socket port on the Moddable SDK: the ECMA-419 TCP socket (`embedded:io/socket/tcp`), with the SDK's
// TLS session (`ssl/session`, modules/crypt/ssl) run over it when `secure` is given.
//
// - The device's TCP socket takes an IP address only (lwIP; the lin simulator's uses inet_aton), so a host
//   name is resolved first (Net.resolve; "localhost" is loopback without a look-up) and the name still
//   goes to TLS for SNI and the SAN check.
// - The TLS session is driven here rather than through the SDK's example TLS socket
//   (examples/io/tcp/tlssocket): every call into the session sits in a try/catch, so a refused handshake
//   (the session throws: "certificate: auth err", "alert: 2, 42" ...) becomes a TlsError on onError instead
//   of an exception inside the TCP callbacks, and the wrapper object, its callbacks and the guards around
//   them (~1.3 KB of RAM per connection, measured in mcsim) are not needed.
// - The session reads and writes the TCP socket itself and keeps its `readable` / `writable` counts on it
//   (session_419.js): they are set here from the TCP callbacks.
//
// Pure: the SDK classes come in through `SocketPlatform`, so the host tests drive this with fakes.
import type { BufferLike, CallbackThis, DerBytes, Socket, SocketConstructor, SocketOptions, TlsOptions } from "../../../platform/ports.js";
import { DnsError } from "../dns-error.js";
import { tlsFailure } from "./tls-failure.js";
import { trustedSession } from "./trusted-session.js";
import { NetworkError } from "../network-error.js";
import { TlsError } from "../tls-error.js";
import { asError } from "../../common/as-error.js";
import { isIPv4 } from "../../common/text.js";

/** ECMA-419 callbacks are called with the socket as `this`; the socket carries the `target` it was given. */
type Callbacks = {
  target?: unknown;
  onReadable?: (this: CallbackThis, count: number) => void;
  onWritable?: (this: CallbackThis, count: number) => void;
  onError?: (this: CallbackThis) => void;
};

/** The ECMA-419 TCP socket as this binding and the TLS session use it. */
export interface PlatformSocket {
  /** Bytes that may be read / written now: kept on the socket for the TLS session. */
  readable: number;
  writable: number;
  /** Everything available (plain TCP), or into `buffer` (the TLS session reads records this way). */
  read(buffer?: ArrayBufferView): unknown;
  /** Returns the writable count left. */
  write(bytes: BufferLike): unknown;
  close(): unknown;
}

/** The SDK's TLS client session (modules/crypt/ssl/session_419.js). */
export interface TlsSession {
  initiateHandshake(): void;
  /** One step of the handshake: sends the next flight, or takes one record. true when finished (or stopped
   *  by an alert, see `alert`). Throws when the handshake fails. */
  handshake(socket: PlatformSocket): boolean;
  /** Decrypted application data of one record; undefined when none is complete yet; null when the peer sent
   *  an alert (closed). Throws on a broken record. */
  read(socket: PlatformSocket): Uint8Array | null | undefined;
  /** Encrypts and writes; returns how many more bytes may be written. */
  write(socket: PlatformSocket, bytes: BufferLike): number;
  alert?: { level: number; description: number };
  /** Registers more trusted CA certificates before the handshake (trusted-session.ts); gone after it. */
  certificateManager?: { register(certificate: DerBytes): void };
}

export interface SocketPlatform {
  /** `Net.resolve` (the SDK's net module). */
  resolve(host: string, callback: (name: string, address?: string) => void): void;
  /** `embedded:io/socket/tcp`. */
  TCP: new (options: { address: string; port: number } & Callbacks) => PlatformSocket;
  /** `ssl/session`. */
  Session: new (options: Record<string, unknown>) => TlsSession;
  /** Wall-clock milliseconds, to tell an unset clock from an expired certificate. */
  now(): number;
  /** Runs `callback` soon, outside the current callback (Timer.set(callback, 0)). */
  defer(callback: () => void): void;
  /** Writes the session's close_notify alert (RFC 5246 section 7.2.1) to the socket. */
  closeNotify?(session: TlsSession, socket: PlatformSocket): void;
}

/** What a TLS record adds to the bytes it carries, at most (header, nonce, tag): the writable count handed
 *  to the user leaves room for it (the SDK's TLS socket uses the same estimate). */
const TLS_OVERHEAD = 96;

/** The address to dial without a look-up: an IPv4 literal, or "localhost", which always means loopback
 *  (RFC 6761 section 6.3). The lin simulator's Net.resolve("localhost") fails: GLib answers ::1 first and
 *  the SDK takes only a first IPv4 answer. */
function literalAddress(host: string): string | undefined {
  if (isIPv4(host)) return host;
  const name = host.toLowerCase();
  return name === "localhost" || name === "localhost." ? "127.0.0.1" : undefined;
}

/** The SDK session's option names (modules/crypt/ssl/ssl_cert.js, session_419.js): TLS 1.2, and the first CA
 *  certificate (the session takes one; trusted-session.ts registers the others). */
export function sessionOptions(secure: TlsOptions, host: string): Record<string, unknown> {
  const out: Record<string, unknown> = { protocolVersion: 0x303, serverName: secure.serverName ?? host };
  const ca = Array.isArray(secure.certificate) ? secure.certificate[0] : secure.certificate;
  if (ca !== undefined) out.certificate = ca;
  if (secure.verify !== undefined) out.verify = secure.verify;
  if (secure.clientCertificates !== undefined) out.clientCertificates = secure.clientCertificates;
  if (secure.clientKey !== undefined) out.clientKey = secure.clientKey;
  if (secure.applicationLayerProtocolNegotiation !== undefined) {
    out.applicationLayerProtocolNegotiation = secure.applicationLayerProtocolNegotiation;
  }
  return out;
}

export function moddableSocketClass(platform: SocketPlatform): SocketConstructor {
  return class ModdableSocket implements Socket {
    readonly #options: SocketOptions;
    #tcp: PlatformSocket | undefined;
    /** Undefined for plain TCP. */
    #session: TlsSession | undefined;
    /** TCP connected (its first onWritable came): a failure before it means the connect never completed. */
    #connected = false;
    #ready = false;
    /** TLS: decrypted bytes not read yet. */
    #data: Uint8Array | undefined;
    #pumping = false;
    #closed = false;

    constructor(options: SocketOptions) {
      this.#options = options;
      const host = options.host ?? options.address;
      if (host === undefined) throw new RangeError("socket needs a host or an address");
      const address = options.address ?? literalAddress(host);
      if (address !== undefined) this.open(host, address);
      else {
        platform.resolve(host, (_name, resolved) => {
          if (this.#closed) return;
          if (resolved === undefined) this.fail(new DnsError(host));
          else this.open(host, resolved);
        });
      }
    }

    read(): ArrayBuffer | undefined {
      const tcp = this.#tcp;
      if (!tcp) return undefined;
      if (!this.#session) {
        const data = tcp.read();
        return data instanceof ArrayBuffer ? data : undefined;
      }
      const data = this.#data;
      if (!data) return undefined;
      this.#data = undefined;
      // More records may wait in the TCP socket, which will not say so again: decrypt them next.
      if (!this.#pumping && tcp.readable > 0) platform.defer(() => this.pump());
      return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
    }

    write(bytes: BufferLike): number {
      const tcp = this.#tcp;
      if (!tcp) return 0;
      if (this.#session) {
        this.#session.write(tcp, bytes); // updates tcp.writable
        return Math.max(0, tcp.writable - TLS_OVERHEAD);
      }
      const result = tcp.write(bytes);
      tcp.writable = typeof result === "number" ? result : Math.max(0, tcp.writable - bytes.byteLength);
      return tcp.writable;
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      const tcp = this.#tcp;
      const session = this.#session;
      this.#tcp = this.#session = this.#data = undefined;
      // A close_notify first (RFC 5246 section 7.2.1): a broker on OpenSSL 3 takes a connection that ends
      // without one as a fatal error and forgets its session, which the next connection could not resume.
      if (tcp && session && this.#ready && platform.closeNotify) {
        try {
          platform.closeNotify(session, tcp);
        } catch {
          // the connection is going anyway
        }
      }
      tcp?.close();
    }

    private open(host: string, address: string): void {
      const secure = this.#options.secure;
      try {
        if (secure !== undefined) {
          const options = sessionOptions(secure, host);
          // Resume the last session with this server name by its id (session_419.js and ssl_cache.js: one
          // entry, kept in RAM): a reconnection skips the certificates, RSA and ECDHE (docs/device.md).
          options.cache = true;
          // Every CA of a bundle trusted, not only the first the session takes (trusted-session.ts).
          const session = trustedSession(platform.Session, options, secure);
          session.initiateHandshake();
          this.#session = session;
        }
        // ECMA-419's `target` instead of three closures per connection: the callbacks are the class's own.
        const tcp = new platform.TCP({
          address,
          port: this.#options.port,
          target: this,
          onReadable: ModdableSocket.#onTcpReadable,
          onWritable: ModdableSocket.#onTcpWritable,
          onError: ModdableSocket.#onTcpError,
        });
        tcp.readable = tcp.writable = 0;
        this.#tcp = tcp;
      } catch (error) {
        // Thrown while opening: a bad address, no sockets left, or the TLS session refusing its CA.
        this.fail(secure === undefined ? asError(error) : tlsFailure(error, platform.now()));
      }
    }

    static #onTcpReadable(this: CallbackThis, count: number): void {
      (this.target as ModdableSocket).readable(count);
    }

    static #onTcpWritable(this: CallbackThis, count: number): void {
      (this.target as ModdableSocket).writableNow(count);
    }

    static #onTcpError(this: CallbackThis): void {
      (this.target as ModdableSocket).tcpFailed();
    }

    private readable(count: number): void {
      const tcp = this.#tcp;
      if (!tcp) return;
      tcp.readable = count;
      if (!this.#session) {
        this.#options.onReadable?.(count);
        return;
      }
      if (this.#ready) this.pump();
      else this.handshake();
    }

    private writableNow(count: number): void {
      const tcp = this.#tcp;
      if (!tcp) return;
      tcp.writable = count;
      this.#connected = true;
      if (!this.#session) this.#options.onWritable?.(count);
      else if (!this.#ready) this.handshake();
      else if (count > TLS_OVERHEAD) this.#options.onWritable?.(count - TLS_OVERHEAD);
    }

    /** The TCP connection failed. Before it was ever connected, nobody answered at the address (the broker
     *  is down, or the path is): a refused connect, whatever the TLS session waiting behind it. During a TLS
     *  handshake with no alert, it is the network (or a peer that is not a TLS endpoint), not a TLS
     *  refusal. After that, the peer closed (the client calls it connection-lost). */
    private tcpFailed(): void {
      if (!this.#connected) this.fail(new NetworkError("connection-refused", `no connection to port ${this.#options.port}`));
      else if (this.#session && !this.#ready) this.fail(new NetworkError("connection-lost", "the connection closed during the TLS handshake, without an alert", true));
      else this.fail(undefined);
    }

    /** Steps the handshake for as long as it moves (each step sends a flight or takes one record). */
    private handshake(): void {
      const tcp = this.#tcp as PlatformSocket;
      const session = this.#session as TlsSession;
      try {
        for (;;) {
          const readable = tcp.readable;
          const writable = tcp.writable;
          if (session.handshake(tcp)) break;
          if (tcp.readable === readable && tcp.writable === writable) return; // waiting for the network
        }
        // handshake() also stops at an alert: a close_notify (a fatal one has thrown already).
        if (session.alert) throw new TlsError("handshake-failure", `the server sent alert ${session.alert.description} during the handshake`);
      } catch (error) {
        this.fail(error instanceof TlsError ? error : tlsFailure(error, platform.now()));
        return;
      }
      this.#ready = true;
      if (tcp.writable > TLS_OVERHEAD) this.#options.onWritable?.(tcp.writable - TLS_OVERHEAD);
      if (this.#tcp === tcp) this.pump();
    }

    /** Decrypts records while some are waiting and the user has read what came before. */
    private pump(): void {
      const tcp = this.#tcp;
      const session = this.#session;
      if (!tcp || !session || this.#pumping) return;
      this.#pumping = true;
      try {
        while (this.#tcp === tcp && this.#data === undefined && tcp.readable > 0) {
          let data: Uint8Array | null | undefined;
          try {
            data = session.read(tcp);
          } catch (error) {
            this.fail(tlsFailure(error, platform.now()));
            return;
          }
          if (data === undefined) return; // a record is still incomplete
          if (data === null) {
            this.fail(undefined); // the peer closed (an alert)
            return;
          }
          if (data.byteLength === 0) continue;
          this.#data = data;
          this.#options.onReadable?.(data.byteLength);
        }
      } finally {
        this.#pumping = false;
      }
    }

    private fail(error: Error | undefined): void {
      if (this.#closed) return;
      this.#closed = true;
      const tcp = this.#tcp;
      this.#tcp = this.#session = this.#data = undefined;
      try {
        tcp?.close();
      } finally {
        this.#options.onError?.(error);
      }
    }
  };
}
