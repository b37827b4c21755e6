// A transparent TCP relay in front of a broker that keeps every byte the client sent, so a test can prove
// what went over the wire: only TLS records, no application data before the server was accepted, and
// never an MQTT byte (CONNECT's protocol name, the client id, a password) in clear.

import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface TlsRecordSummary {
  /** Record content types in order: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data. */
  types: number[];
  /** Bytes that do not parse as TLS records (a plain-text client), empty for a TLS client. */
  plaintext: Buffer;
}

export interface Sniffer {
  port: number;
  /** Connections the client opened through the relay. */
  readonly connections: number;
  /** What the client sent on connection n (all connections when n is omitted). */
  clientBytes(n?: number): Buffer;
  /** The client's bytes on connection n as TLS records. */
  records(n: number): TlsRecordSummary;
  close(): Promise<void>;
}

export const CONTENT_APPLICATION_DATA = 23;

export async function startSniffer(target: { host: string; port: number }): Promise<Sniffer> {
  const sent: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const chunks: Buffer[] = [];
    sent.push(chunks);
    const upstream = connect({ host: target.host, port: target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (data: Buffer) => {
      chunks.push(Buffer.from(data));
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => client.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return sent.length;
    },
    clientBytes: (n) => Buffer.concat(n === undefined ? sent.flat() : (sent[n] ?? [])),
    records(n) {
      return tlsRecords(Buffer.concat(sent[n] ?? []));
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Split a byte stream into TLS records (RFC 5246 section 6.2.1); stop at the first non-record. */
export function tlsRecords(bytes: Buffer): TlsRecordSummary {
  const types: number[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const type = bytes[at];
    const major = bytes[at + 1];
    if (type < 20 || type > 23 || major !== 3) break;
    const length = bytes.readUInt16BE(at + 3);
    types.push(type);
    at += 5 + length;
  }
  return { types, plaintext: at < bytes.length ? bytes.subarray(Math.min(at, bytes.length)) : Buffer.alloc(0) };
}

/** MQTT CONNECT's variable header starts with the protocol name "MQTT" (3.1.2.1): 00 04 4D 51 54 54. */
export const MQTT_PROTOCOL_NAME = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]);
