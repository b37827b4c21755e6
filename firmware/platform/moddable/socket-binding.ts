// The Socket port on the Moddable SDK: the ECMA-419 TCP socket (`embedded:io/socket/tcp`), under the SDK's
// TLS socket (`embedded:io/socket/tcp/tls`, examples/io/tcp/tlssocket) when `secure` is given.
//
// - The device's TCP socket takes an IP address only (lwIP; the lin simulator's uses inet_aton), so a host
//   name is resolved first (Net.resolve; "localhost" is loopback without a look-up) and the name still
//   goes to TLS for SNI and the SAN check.
// - The SDK's TLS stack reports a failed handshake by throwing inside the TCP callbacks, or from its
//   constructor (a CA outside its validity, e.g. with the clock unset). Both become a TlsError on onError
//   here, so the MQTT client sees a typed failure and backs off, instead of an uncaught exception.
//
// Pure: the SDK classes come in through `SocketPlatform`, so the host tests drive this with fakes.
import type { BufferLike, Socket, SocketConstructor, SocketOptions, TlsOptions } from "../ports.js";
import { DnsError } from "./dns-error.js";
import { tlsFailure } from "./tls-failure.js";
import { asError } from "../as-error.js";

type Callbacks = { onReadable?: (count: number) => void; onWritable?: (count: number) => void; onError?: () => void };

/** The part of the ECMA-419 TCP / SDK TLS socket this binding calls. */
export interface PlatformSocket {
  read(): unknown;
  write(bytes: BufferLike): unknown;
  close(): unknown;
}

export interface SocketPlatform {
  /** `Net.resolve` from "net". */
  resolve(host: string, callback: (name: string, address?: string) => void): void;
  /** `embedded:io/socket/tcp`. */
  TCP: new (options: { address: string; port: number } & Callbacks) => PlatformSocket;
  /** `embedded:io/socket/tcp/tls`: options are handed on to `TCP.io` (examples/io/tcp/tlssocket). */
  TLSSocket: new (
    options: { host: string; address: string; port: number; secure: Record<string, unknown>; TCP: { io: unknown } } & Callbacks,
  ) => PlatformSocket;
  /** Wall-clock milliseconds, to tell an unset clock from an expired certificate. */
  now(): number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address to dial without a look-up: an IPv4 literal, or "localhost", which always means loopback
 *  (RFC 6761 section 6.3). The lin simulator's Net.resolve("localhost") fails: GLib answers ::1 first and
 *  the SDK takes only a first IPv4 answer. */
function literalAddress(host: string): string | undefined {
  if (IPV4.test(host)) return host;
  const name = host.toLowerCase();
  return name === "localhost" || name === "localhost." ? "127.0.0.1" : undefined;
}

/** The SDK session's option names (modules/crypt/ssl/ssl_cert.js, session_419.js): one CA certificate. */
export function sessionOptions(secure: TlsOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ca = Array.isArray(secure.certificate) ? secure.certificate[0] : secure.certificate;
  if (ca !== undefined) out.certificate = ca;
  if (secure.serverName !== undefined) out.serverName = secure.serverName;
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
    #inner: PlatformSocket | undefined;
    #closed = false;
    /** Plain TCP: bytes that may still be written (TLS returns its own count from write()). */
    #writable = 0;
    /** The last exception the client's own callbacks threw: the caller's, not a TLS failure. */
    #callerError: unknown = undefined;

    constructor(options: SocketOptions) {
      this.#options = options;
      const host = options.host ?? options.address;
      if (host === undefined) throw new RangeError("socket needs a host or an address");
      const address = options.address ?? literalAddress(host);
      if (address !== undefined) this.#open(host, address);
      else {
        platform.resolve(host, (_name, resolved) => {
          if (this.#closed) return;
          if (resolved === undefined) this.#fail(new DnsError(host));
          else this.#open(host, resolved);
        });
      }
    }

    read(): ArrayBuffer | undefined {
      const data = this.#inner?.read();
      return data instanceof ArrayBuffer ? data : undefined;
    }

    write(bytes: BufferLike): number {
      const inner = this.#inner;
      if (!inner) return 0;
      const result = inner.write(bytes);
      if (typeof result === "number") return result;
      this.#writable = Math.max(0, this.#writable - bytes.byteLength);
      return this.#writable;
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      const inner = this.#inner;
      this.#inner = undefined;
      inner?.close();
    }

    #open(host: string, address: string): void {
      const options = this.#options;
      const port = options.port;
      const callbacks: Callbacks = {
        onReadable: (count) => this.#call(() => options.onReadable?.(count)),
        onWritable: (count) => {
          this.#writable = count;
          this.#call(() => options.onWritable?.(count));
        },
        onError: () => this.#fail(undefined),
      };
      try {
        if (options.secure === undefined) {
          this.#inner = new platform.TCP({ address, port, ...callbacks });
          return;
        }
        // The TLS session runs inside the TCP callbacks; guard them so its exceptions become TlsErrors.
        const fail = (error: unknown) => this.#fail(tlsFailure(error, platform.now()));
        const isCallers = (error: unknown) => error === this.#callerError;
        const TCP = platform.TCP;
        const GuardedTCP = function (tcpOptions: { address: string; port: number } & Callbacks) {
          return new TCP({
            ...tcpOptions,
            onReadable: guard(tcpOptions.onReadable, fail, isCallers),
            onWritable: guard(tcpOptions.onWritable, fail, isCallers),
          });
        };
        this.#inner = new platform.TLSSocket({
          host,
          address,
          port,
          secure: sessionOptions(options.secure),
          TCP: { io: GuardedTCP },
          ...callbacks,
        });
      } catch (error) {
        // Thrown while opening: a bad address, no sockets left, or the TLS session refusing its CA.
        this.#fail(options.secure === undefined ? asError(error) : tlsFailure(error, platform.now()));
      }
    }

    #call(callback: () => void): void {
      if (this.#closed) return;
      try {
        callback();
      } catch (error) {
        this.#callerError = error;
        throw error;
      }
    }

    #fail(error: Error | undefined): void {
      if (this.#closed) return;
      this.#closed = true;
      const inner = this.#inner;
      this.#inner = undefined;
      try {
        inner?.close();
      } finally {
        this.#options.onError?.(error);
      }
    }
  };
}

function guard(
  callback: ((count: number) => void) | undefined,
  fail: (error: unknown) => void,
  isCallers: (error: unknown) => boolean,
): ((count: number) => void) | undefined {
  if (!callback) return undefined;
  return (count) => {
    try {
      callback(count);
    } catch (error) {
      if (isCallers(error)) throw error; // the client's own exception: not ours to reinterpret
      fail(error);
    }
  };
}

