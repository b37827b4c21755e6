// The wire bench's counting relay (bench/wire/relay.ts): it must count every byte in each direction
// exactly, split it by TLS record type whatever the chunking, and read the negotiated suite.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { TLSSocket, connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { RecordCounter, parseServerHello, startCountingRelay, type CountingRelay } from "../../bench/wire/relay.js";
import { ensureDevPki } from "../../support/certs.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function record(type: number, fragment: number[]): number[] {
  return [type, 3, 3, fragment.length >> 8, fragment.length & 0xff, ...fragment];
}

/** A ServerHello handshake message (RFC 5246 section 7.4.1.3) with a session id and the given suite. */
function serverHello(suite: number): number[] {
  const body = [3, 3, ...new Array<number>(32).fill(7), 4, 1, 2, 3, 4, suite >> 8, suite & 0xff, 0];
  return [2, 0, body.length >> 8, body.length & 0xff, ...body];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function relayTo(port: number): Promise<CountingRelay> {
  const relay = await startCountingRelay({ host: "127.0.0.1", port });
  closers.push(() => relay.close());
  return relay;
}

describe("TLS record counting", () => {
  it("counts whole records by type whatever the chunk boundaries", () => {
    const stream = [...record(22, [1, 2, 3]), ...record(20, [1]), ...record(23, new Array<number>(300).fill(9)), ...record(21, [1, 0])];
    for (const cut of [1, 2, 4, 5, 7, 13, 300, stream.length]) {
      const counter = new RecordCounter();
      for (let at = 0; at < stream.length; at += cut) counter.push(Uint8Array.from(stream.slice(at, at + cut)));
      expect(counter.bytes).toEqual({ handshake: 8, changeCipherSpec: 6, applicationData: 305, alert: 7, other: 0 });
    }
  });

  it("counts a stream that is not TLS as other bytes", () => {
    const counter = new RecordCounter();
    counter.push(Uint8Array.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]));
    counter.push(Uint8Array.from([1, 2]));
    expect(counter.bytes).toEqual({ handshake: 0, changeCipherSpec: 0, applicationData: 0, alert: 0, other: 10 });
  });

  it("reads the cipher suite from a ServerHello split over chunks", () => {
    let hello: Uint8Array | undefined;
    const counter = new RecordCounter((fragment) => (hello = fragment));
    const bytes = record(22, serverHello(0xc02f));
    counter.push(Uint8Array.from(bytes.slice(0, 20)));
    expect(hello).toBeUndefined();
    counter.push(Uint8Array.from(bytes.slice(20)));
    expect(parseServerHello(hello!)).toEqual({ version: 0x0303, cipherSuite: 0xc02f, sessionId: "01020304" });
    expect(parseServerHello(Uint8Array.from([1, 0, 0, 0]))).toBeUndefined(); // a ClientHello is not one
  });
});

describe("counting relay", () => {
  it("forwards both directions unchanged and counts each byte once", async () => {
    const fromServer = Uint8Array.from([...record(22, serverHello(0x009e)), ...record(23, [5, 6, 7])]);
    const fromClient = Uint8Array.from([...record(22, [1, 0, 0, 0]), ...record(23, new Array<number>(1000).fill(1))]);
    let serverGot = 0;
    const server = createServer((socket: Socket) => {
      socket.on("data", (d: Buffer) => {
        serverGot += d.length;
        if (serverGot === fromClient.length) socket.end(fromServer);
      });
    });
    const relay = await relayTo(await listen(server));
    const client = connect({ host: "127.0.0.1", port: relay.port });
    const received: Buffer[] = [];
    client.on("data", (d: Buffer) => received.push(d));
    // Small writes with pauses: the relay sees many chunks that split record headers.
    for (let at = 0; at < fromClient.length; at += 3) client.write(fromClient.subarray(at, at + 3));
    await new Promise((resolve) => client.on("end", resolve));
    client.end();
    await relay.idle();
    expect(Buffer.concat(received)).toEqual(Buffer.from(fromServer));
    expect(relay.total()).toEqual({ up: fromClient.length, down: fromServer.length });
    const [c] = relay.connections;
    expect(c.upRecords).toEqual({ handshake: 9, changeCipherSpec: 0, applicationData: 1005, alert: 0, other: 0 });
    expect(c.downRecords.applicationData).toBe(8);
    expect(c.cipherSuite).toBe(0x009e);
  });

  it("agrees with the TCP byte counts of a real TLS 1.2 connection, and reads its suite", async () => {
    const pki = await ensureDevPki();
    const server = createServer((socket) => {
      const tls = new TLSSocket(socket, { isServer: true, cert: pki.broker.certPem, key: pki.broker.keyPem });
      tls.on("data", (d: Buffer) => tls.end(d)); // echo once, then close
      tls.on("error", () => undefined);
    });
    const relay = await relayTo(await listen(server));
    // The client's own TCP socket is the oracle: what it wrote went up, what it read came down.
    const raw = connect({ host: "127.0.0.1", port: relay.port });
    const client = tlsConnect({
      socket: raw,
      ca: pki.ca.certPem,
      servername: "localhost",
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.2",
      ciphers: "ECDHE-RSA-AES128-GCM-SHA256",
    });
    const echoed: Buffer[] = [];
    client.on("secureConnect", () => client.write("hello over the relay"));
    client.on("data", (d: Buffer) => {
      echoed.push(d);
      client.end();
    });
    client.on("error", () => undefined);
    await new Promise((resolve) => client.on("close", resolve));
    await relay.idle();
    expect(Buffer.concat(echoed).toString()).toBe("hello over the relay");
    expect(relay.total()).toEqual({ up: raw.bytesWritten, down: raw.bytesRead });
    const [c] = relay.connections;
    const sum = (r: typeof c.upRecords) => r.handshake + r.changeCipherSpec + r.applicationData + r.alert + r.other;
    expect(sum(c.upRecords)).toBe(c.up);
    expect(sum(c.downRecords)).toBe(c.down);
    expect(c.upRecords.other + c.downRecords.other).toBe(0);
    // 20 bytes of data each way in AES-GCM records: 5 header + 8 explicit nonce + 20 + 16 tag.
    expect(c.upRecords.applicationData).toBe(49);
    expect(c.downRecords.applicationData).toBe(49);
    expect(c.serverVersion).toBe(0x0303);
    expect(c.cipherSuite).toBe(0xc02f);
  });

  it("with a latency, holds every chunk that long each way, in order, and says what it holds", async () => {
    const server = createServer((socket: Socket) => socket.on("data", (d: Buffer) => socket.write(d))); // echo
    const port = await listen(server);
    const relay = await startCountingRelay({ host: "127.0.0.1", port }, { latencyMs: 40 });
    closers.push(() => relay.close());
    const client = connect({ host: "127.0.0.1", port: relay.port });
    await new Promise((resolve) => client.on("connect", resolve));
    const got: string[] = [];
    client.on("data", (d: Buffer) => got.push(d.toString()));
    client.write("a");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(relay.pending()).toBe(1); // held on its way up
    expect(got).toEqual([]);
    client.write("b");
    while (got.join("") !== "ab") await new Promise((resolve) => setTimeout(resolve, 5));
    expect(relay.pending()).toBe(0);
    client.end();
  });
});
