// A counting TCP relay for the wire bench: sits between a TLS client and a broker, forwards every byte
// unchanged, and counts what crossed in each direction, split by TLS record content type (RFC 5246
// section 6.2.1), so handshake bytes can be told from application data. It also reads the ServerHello
// (section 7.4.1.3) to report the negotiated version and cipher suite. test/tls/sniffer.ts keeps only the
// client's bytes for content checks; this one counts both directions and never keeps the stream.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export type Direction = "up" | "down"; // up: client -> broker, down: broker -> client

/** Bytes by TLS record content type (each record counted whole: 5-byte header + fragment). */
export interface RecordBytes {
  changeCipherSpec: number; // 20
  alert: number; // 21
  handshake: number; // 22
  applicationData: number; // 23
  /** Bytes that did not parse as TLS records (a plain-text peer); 0 for TLS. */
  other: number;
}

export interface WireCount {
  up: number;
  down: number;
}

export interface ConnectionCount extends WireCount {
  upRecords: RecordBytes;
  downRecords: RecordBytes;
  /** From the ServerHello: 0x0303 = TLS 1.2 (a TLS 1.3 ServerHello also says 0x0303 here). */
  serverVersion?: number;
  cipherSuite?: number;
  /** The ClientHello offered a session id and the ServerHello took it: an abbreviated handshake (RFC 5246
   *  section 7.3, TLS 1.2 session resumption), without certificates or key exchange. */
  resumed?: boolean;
  /** Handshake flights (runs of handshake or ChangeCipherSpec records one way) before the first application
   *  data: 4 for a full TLS 1.2 handshake (2 round trips), 3 for a resumed one (the client's Finished can go
   *  with its first data: 1 round trip). */
  flights: number;
}

/** A connection's handshake bytes one way: its handshake and ChangeCipherSpec records. */
export function handshakeBytes(records: RecordBytes): number {
  return records.handshake + records.changeCipherSpec;
}

const TYPES: Record<number, keyof RecordBytes> = { 20: "changeCipherSpec", 21: "alert", 22: "handshake", 23: "applicationData" };

function emptyRecords(): RecordBytes {
  return { changeCipherSpec: 0, alert: 0, handshake: 0, applicationData: 0, other: 0 };
}

/** Incremental TLS record framer for one direction: counts whole records as their bytes arrive. */
export class RecordCounter {
  readonly bytes: RecordBytes = emptyRecords();
  /** Called as each whole record ends, with its type. */
  onRecord?: (type: keyof RecordBytes) => void;
  #header: number[] = [];
  #left = 0; // fragment bytes of the current record still to come
  #type: keyof RecordBytes = "other";
  #plain = false;
  /** The first handshake record's fragment (ServerHello from a server), kept until complete. */
  #first: number[] | undefined = [];
  #firstDone?: (fragment: Uint8Array) => void;

  constructor(onFirstHandshake?: (fragment: Uint8Array) => void) {
    this.#firstDone = onFirstHandshake;
  }

  push(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.#plain) {
        this.bytes.other += data.length - at;
        return;
      }
      if (this.#left > 0) {
        const n = Math.min(this.#left, data.length - at);
        this.bytes[this.#type] += n;
        this.#keepFirst(data.subarray(at, at + n));
        this.#left -= n;
        at += n;
        if (this.#left === 0) this.#endRecord();
        continue;
      }
      this.#header.push(data[at++]);
      if (this.#header.length < 5) continue;
      const [type, major, , hi, lo] = this.#header;
      this.#header = [];
      const name = TYPES[type];
      if (!name || major !== 3) {
        // Not TLS: count the rest of the stream as other bytes.
        this.#plain = true;
        this.bytes.other += 5;
        continue;
      }
      this.#type = name;
      this.#left = (hi << 8) | lo;
      this.bytes[name] += 5;
      if (this.#left === 0) this.#endRecord();
    }
  }

  #keepFirst(part: Uint8Array): void {
    if (this.#first && this.#type === "handshake") for (const b of part) this.#first.push(b);
  }

  #endRecord(): void {
    this.onRecord?.(this.#type);
    if (this.#first && this.#type === "handshake") {
      const fragment = Uint8Array.from(this.#first);
      this.#first = undefined;
      this.#firstDone?.(fragment);
    }
  }
}

/** Version, cipher suite and session id from a ServerHello handshake message (type 2), if `fragment` starts
 *  with one. */
export function parseServerHello(fragment: Uint8Array): { version: number; cipherSuite: number; sessionId: string } | undefined {
  if (fragment.length < 4 + 2 + 32 + 1 || fragment[0] !== 2) return undefined;
  const version = (fragment[4] << 8) | fragment[5];
  const sessionId = helloSessionId(fragment);
  const at = 4 + 2 + 32 + 1 + fragment[4 + 2 + 32];
  if (sessionId === undefined || fragment.length < at + 2) return undefined;
  return { version, cipherSuite: (fragment[at] << 8) | fragment[at + 1], sessionId };
}

/** The session id (hex, "" when empty) of a ClientHello (type 1) or ServerHello (type 2): after the
 *  handshake header (4 bytes), the version (2) and the random (32), one length byte (RFC 5246 7.4.1.2-3). */
export function helloSessionId(fragment: Uint8Array): string | undefined {
  const at = 4 + 2 + 32;
  if ((fragment[0] !== 1 && fragment[0] !== 2) || fragment.length < at + 1 + fragment[at]) return undefined;
  return Buffer.from(fragment.subarray(at + 1, at + 1 + fragment[at])).toString("hex");
}

export interface RelayOptions {
  /** Delay every chunk this long each way (a link's latency: half its round trip); 0 by default. */
  latencyMs?: number;
  /** Each chunk as it arrives at the relay, with its connection (index in `connections`). */
  onChunk?(direction: Direction, bytes: number, connection: number): void;
}

export interface CountingRelay {
  readonly port: number;
  /** Chunks taken and not yet passed on (the latency holds them). */
  pending(): number;
  /** Every connection made through the relay, in order. */
  readonly connections: readonly ConnectionCount[];
  /** Sum over all connections. */
  total(): WireCount;
  /** Resolves once no connection is open (all closed in both directions). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingRelay(target: { host: string; port: number }, options: RelayOptions = {}): Promise<CountingRelay> {
  const connections: ConnectionCount[] = [];
  const latency = options.latencyMs ?? 0;
  let pending = 0;
  /** After the latency, in arrival order (timers of equal delay fire in the order they were set). */
  const later = (action: () => void): void => {
    if (latency === 0) return action();
    pending++;
    setTimeout(() => {
      pending--;
      action();
    }, latency);
  };
  const open = new Set<Socket>();
  let waiters: (() => void)[] = [];
  const settle = (): void => {
    if (open.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  const server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const count: ConnectionCount = { up: 0, down: 0, upRecords: emptyRecords(), downRecords: emptyRecords(), flights: 0 };
    let offered = "";
    const upCounter = new RecordCounter((fragment) => {
      offered = helloSessionId(fragment) ?? "";
    });
    const downCounter = new RecordCounter((fragment) => {
      const hello = parseServerHello(fragment);
      if (hello) {
        count.serverVersion = hello.version;
        count.cipherSuite = hello.cipherSuite;
        count.resumed = offered !== "" && hello.sessionId === offered;
      }
    });
    count.upRecords = upCounter.bytes;
    count.downRecords = downCounter.bytes;
    let last: Direction | undefined;
    let data = false;
    const flight = (direction: Direction) => (type: keyof RecordBytes) => {
      if (data || type === "applicationData") {
        data = true;
        return;
      }
      if ((type === "handshake" || type === "changeCipherSpec") && direction !== last) {
        count.flights++;
        last = direction;
      }
    };
    upCounter.onRecord = flight("up");
    downCounter.onRecord = flight("down");
    const index = connections.push(count) - 1;
    const pipe = (from: Socket, to: Socket, direction: Direction, counter: RecordCounter): void => {
      from.on("data", (data: Buffer) => {
        count[direction] += data.length;
        counter.push(data);
        options.onChunk?.(direction, data.length, index);
        later(() => {
          if (!to.destroyed) to.write(data);
        });
      });
      // A half close (TLS close_notify then FIN) is passed on as one.
      from.on("end", () => later(() => to.end()));
    };
    pipe(client, upstream, "up", upCounter);
    pipe(upstream, client, "down", downCounter);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => {
        open.delete(s);
        settle();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    pending: () => pending,
    connections,
    total() {
      let up = 0;
      let down = 0;
      for (const c of connections) {
        up += c.up;
        down += c.down;
      }
      return { up, down };
    },
    idle() {
      if (open.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
