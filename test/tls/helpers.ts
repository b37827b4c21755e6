// Test servers for the TLS profile and matrix tests: a node:tls server that records what each client
// offered (SNI, ALPN, version, cipher, client certificate), a raw TCP server that records every byte a
// client sends (to parse the ClientHello and to prove nothing went out in clear), and a ClientHello parser.

import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket, type TlsOptions as NodeTlsServerOptions } from "node:tls";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { connectTls } from "../../host-sim/tls-profile-connect.js";
import type { TlsContext, TlsProfile } from "../../host-sim/tls-profile.js";

export interface SeenConnection {
  servername: string | false;
  alpn: string | false | null;
  protocol: string | null;
  cipher: string;
  authorized: boolean;
  peerCn?: string;
}

export interface RecordingTlsServer {
  port: number;
  /** Connections that completed the handshake, in order. */
  seen: SeenConnection[];
  /** Handshakes the server side saw fail (tlsClientError), by error code. */
  clientErrors: string[];
  /** TCP connections accepted, complete or not. */
  readonly connections: number;
  close(): Promise<void>;
}

function listening(server: TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closing(server: TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A TLS server that completes handshakes, records them and closes the connection at once. */
export async function startTlsServer(options: NodeTlsServerOptions): Promise<RecordingTlsServer> {
  const seen: SeenConnection[] = [];
  const clientErrors: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTlsServer(options, (socket: TLSSocket) => {
    const peer = socket.getPeerCertificate();
    seen.push({
      servername: (socket as TLSSocket & { servername: string | false }).servername,
      alpn: socket.alpnProtocol,
      protocol: socket.getProtocol(),
      cipher: socket.getCipher().name,
      authorized: socket.authorized,
      peerCn: peer && typeof peer.subject === "object" ? String(peer.subject.CN) : undefined,
    });
    socket.on("error", () => undefined);
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error: NodeJS.ErrnoException) => clientErrors.push(String(error.code)));
  const port = await listening(server);
  return {
    port,
    seen,
    clientErrors,
    get connections() {
      return connections;
    },
    close: () => closing(server, sockets),
  };
}

export interface RawServer {
  port: number;
  /** Everything each connection sent, in arrival order. */
  received: Buffer[][];
  /** Resolves with the bytes of connection n once it has sent at least `min` bytes. */
  bytesOf(n: number, min: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A TCP server that answers nothing (or `reply` bytes) and records what clients send. */
export async function startRawServer(reply?: (socket: Socket, data: Buffer) => void): Promise<RawServer> {
  const received: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  const server = createTcpServer((socket) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    sockets.add(socket);
    socket.on("data", (data) => {
      chunks.push(data);
      reply?.(socket, data);
      waiters.splice(0).forEach((w) => w());
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    waiters.splice(0).forEach((w) => w());
  });
  const port = await listening(server);
  return {
    port,
    received,
    async bytesOf(n, min) {
      for (;;) {
        const all = Buffer.concat(received[n] ?? []);
        if (all.length >= min) return all;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => closing(server, sockets),
  };
}

export interface ClientHello {
  recordVersion: number;
  helloVersion: number;
  cipherSuites: number[];
  extensions: Map<number, Buffer>;
  sni?: string;
  alpn?: string[];
  groups?: number[];
  /** TLS 1.3's supported_versions extension, when present. */
  supportedVersions?: number[];
}

/** Parse a ClientHello from the first bytes of a TLS connection (RFC 5246 section 7.4.1.2). */
export function parseClientHello(bytes: Buffer): ClientHello | undefined {
  if (bytes.length < 5 || bytes[0] !== 22) return undefined; // handshake record
  const recordVersion = bytes.readUInt16BE(1);
  const length = bytes.readUInt16BE(3);
  if (bytes.length < 5 + length) return undefined;
  const body = bytes.subarray(5, 5 + length);
  if (body[0] !== 1) return undefined; // client_hello
  let at = 4;
  const helloVersion = body.readUInt16BE(at);
  at += 2 + 32;
  at += 1 + body[at]; // session id
  const suitesLength = body.readUInt16BE(at);
  at += 2;
  const cipherSuites: number[] = [];
  for (let i = 0; i < suitesLength; i += 2) cipherSuites.push(body.readUInt16BE(at + i));
  at += suitesLength;
  at += 1 + body[at]; // compression methods
  const extensions = new Map<number, Buffer>();
  if (at < body.length) {
    const end = at + 2 + body.readUInt16BE(at);
    at += 2;
    while (at + 4 <= end) {
      const type = body.readUInt16BE(at);
      const size = body.readUInt16BE(at + 2);
      extensions.set(type, body.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
  }
  const hello: ClientHello = { recordVersion, helloVersion, cipherSuites, extensions };
  const sni = extensions.get(0);
  if (sni && sni[2] === 0) hello.sni = sni.subarray(5, 5 + sni.readUInt16BE(3)).toString("latin1");
  const groups = extensions.get(10);
  if (groups) hello.groups = Array.from({ length: groups.readUInt16BE(0) / 2 }, (_, i) => groups.readUInt16BE(2 + 2 * i));
  const alpn = extensions.get(16);
  if (alpn) {
    hello.alpn = [];
    for (let i = 2; i < alpn.length; i += 1 + alpn[i]) hello.alpn.push(alpn.subarray(i + 1, i + 1 + alpn[i]).toString("latin1"));
  }
  const versions = extensions.get(43);
  if (versions) hello.supportedVersions = Array.from({ length: versions[0] / 2 }, (_, i) => versions.readUInt16BE(1 + 2 * i));
  return hello;
}

export interface Attempt {
  ok: boolean;
  /** A TlsError when TLS refused (evidence: a verdict, an alert, not TLS), a NetworkError when cut or refused. */
  error?: TlsError | NetworkError;
  protocol?: string | null;
  cipher?: string;
  alpn?: string | false | null;
}

/** Connect with connectTls and settle on the first verdict; the socket is closed either way. */
export function attempt(
  secure: TlsOptions,
  port: number,
  options: { profile?: TlsProfile; wallTime?: number | undefined; host?: string } = {},
): Promise<Attempt> {
  const clock = "wallTime" in options ? options.wallTime : Date.now();
  const ctx: TlsContext = {
    host: options.host ?? "localhost",
    port,
    profile: options.profile ?? "device",
    wallTime: () => clock,
  };
  return new Promise((resolve) => {
    connectTls(secure, ctx, {
      onSecure(socket) {
        resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name, alpn: socket.alpnProtocol });
        socket.on("error", () => undefined);
        socket.destroy();
      },
      onError(error) {
        resolve({ ok: false, error });
      },
    });
  });
}
