// TLS failures classified by evidence, and the streaks that make one persistent: a TlsError only when TLS
// itself says so (an alert, with its number, or a verdict on the certificate), a bare cut during the
// handshake a NetworkError that is retried, a refused connect connection-refused; the same TLS refusal 3
// times in a row to one broker is a PersistentFailureError, reported once, after which the client backs off
// with the long cap. Cuts and refused connects never count, however many. Against mosquitto through a TLS-aware cutting relay, and
// with a scripted socket on a manual clock for the exact delays.
import { connect, createServer, type Server, type Socket as NetSocket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import type { Socket, SocketOptions } from "../../firmware/platform/ports.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { ManualClock } from "../support/manual-clock.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { until } from "./harness.js";

/** TLS record content types (RFC 5246 section 6.2.1). */
const CHANGE_CIPHER_SPEC = 0x14;

/**
 * A relay that cuts TLS connections at a chosen point of the handshake: "hello" resets a connection as soon
 * as the client's first bytes (its ClientHello) arrive; "server-finished" lets the handshake run until the
 * server's ChangeCipherSpec (its answer to our key exchange) and resets instead of passing it on; "none"
 * passes everything.
 */
class CuttingRelay {
  cutAt: "none" | "hello" | "server-finished" = "none";
  cuts = 0;
  private constructor(
    private readonly server: Server,
    private readonly target: number,
  ) {
    server.on("connection", (client) => this.relay(client));
  }

  static async start(target: number): Promise<CuttingRelay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new CuttingRelay(server, target);
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  private relay(client: NetSocket): void {
    const broker = connect(this.target, "127.0.0.1");
    const cut = (): void => {
      this.cuts++;
      client.resetAndDestroy();
      broker.destroy();
    };
    client.on("error", () => undefined);
    broker.on("error", () => undefined);
    client.on("data", (data: Buffer) => (this.cutAt === "hello" ? cut() : broker.write(data)));
    let down = Buffer.alloc(0);
    broker.on("data", (data: Buffer) => {
      if (this.cutAt !== "server-finished") return void client.write(data);
      // Pass whole records until the server's ChangeCipherSpec.
      down = Buffer.concat([down, data]);
      while (down.length >= 5 && down.length >= 5 + down.readUInt16BE(3)) {
        const length = 5 + down.readUInt16BE(3);
        if (down[0] === CHANGE_CIPHER_SPEC) return cut();
        client.write(down.subarray(0, length));
        down = down.subarray(length);
      }
    });
    client.on("close", () => broker.destroy());
    broker.on("close", () => client.destroy());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let pki: TestPki;
let broker: Mosquitto;
let relay: CuttingRelay;
const clients: MqttClient[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls });
  relay = await CuttingRelay.start(broker.port);
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await broker?.close();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  relay.cutAt = "none";
});

function device(port: number, secure = pki.deviceTls()) {
  const seen = { connects: 0, errors: [] as Error[] };
  const client = new MqttClient({
    Socket: NodeSocket,
    clock: new NodeClock(),
    random: () => 0.5,
    brokers: [{ host: "localhost", address: "127.0.0.1", port }],
    secure,
    clientId: DEVICE_ID,
    backoff: { base: 20, cap: 40, persistentCap: 60 },
    onConnect: () => seen.connects++,
    onError: (e) => seen.errors.push(e),
  });
  clients.push(client);
  client.connect();
  return { client, seen };
}

const persistent = (errors: Error[]) => errors.filter((e) => e instanceof PersistentFailureError) as PersistentFailureError[];

describe("handshake failures, by evidence", () => {
  it("a reset right after our ClientHello is a network failure and is retried; connects when the link is good", async () => {
    relay.cutAt = "hello";
    const { seen } = device(relay.port);
    await until(() => seen.errors.length >= 2, "two failed attempts");
    expect(seen.errors[0]).toBeInstanceOf(NetworkError);
    expect(seen.errors[0]).toMatchObject({ code: "connection-lost", duringTlsHandshake: true });
    relay.cutAt = "none";
    await until(() => seen.connects === 1, "connected once the cuts stop");
  });

  it("a reset right after our key exchange (the server's answer lost on the way) is not a certificate refusal", async () => {
    relay.cutAt = "server-finished";
    const { seen } = device(relay.port);
    await until(() => seen.errors.length >= 1, "a failed attempt");
    expect(seen.errors[0]).toBeInstanceOf(NetworkError);
    expect(seen.errors[0]).not.toBeInstanceOf(TlsError);
    relay.cutAt = "none";
    await until(() => seen.connects === 1, "connected");
  });

  it("cuts never make a persistent failure, however many in a row, and the backoff stays at its normal cap", async () => {
    relay.cutAt = "hello";
    const { seen } = device(relay.port);
    await until(() => seen.errors.filter((e) => e instanceof NetworkError).length >= 12, "twelve cuts");
    expect(persistent(seen.errors)).toHaveLength(0);
    relay.cutAt = "none";
    // The normal cap (40 ms here) still applies: the next attempt comes soon and connects.
    await until(() => seen.connects === 1, "connected once the cuts stop");
  });

  it("a real TLS alert from the server keeps its number, and three in a row are persistent", async () => {
    const other = { ...pki.deviceTls(), clientCertificates: [pki.odd.otherCaDevice.certDer], clientKey: pki.odd.otherCaDevice.keyDer };
    const { seen } = device(broker.port, other);
    await until(() => persistent(seen.errors).length === 1, "persistent failure");
    const refusals = seen.errors.filter((e) => e instanceof TlsError) as TlsError[];
    expect(refusals).toHaveLength(3);
    for (const e of refusals) expect(e).toMatchObject({ code: "bad-certificate", alert: 48 });
    expect(persistent(seen.errors)[0]).toMatchObject({ attempts: 3 });
    expect(persistent(seen.errors)[0].cause).toBe(refusals[2]);
  });

  it("a refused TCP connect is connection-refused, never counted as a handshake failure", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { seen } = device(port);
    await until(() => seen.errors.length >= 8, "eight refusals");
    expect(seen.errors[0]).toMatchObject({ name: "NetworkError", code: "connection-refused" });
    expect(persistent(seen.errors)).toHaveLength(0);
  });
});

/** A socket whose every connection fails at once with `failure()`, for exact backoff arithmetic. */
function failingSocket(failure: () => Error): new (options: SocketOptions) => Socket {
  return class {
    constructor(options: SocketOptions) {
      queueMicrotask(() => options.onError?.(failure()));
    }
    read(): undefined {
      return undefined;
    }
    write(): number {
      return 0;
    }
    close(): void {}
  };
}

describe("backoff after a persistent failure", () => {
  it("uses the long cap from the third identical refusal on, and the normal one again for a different failure", async () => {
    const clock = new ManualClock();
    const errors: Error[] = [];
    let failure = (): Error => new TlsError("bad-certificate", "refused", 42);
    const client = new MqttClient({
      Socket: failingSocket(() => failure()),
      clock,
      random: () => 0.999_999,
      brokers: [{ host: "broker.lan", port: 8883 }],
      backoff: { base: 1000, cap: 4000, persistentCap: 600_000 },
      onError: (e) => errors.push(e),
    });
    clients.push(client);
    client.connect();
    const failed = () => errors.filter((e) => !(e instanceof PersistentFailureError)).length;
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      await until(() => clock.pending > 0 && failed() > attempt, `attempt ${attempt + 1} failed`);
      const next = clock.nextAt()! - clock.ticks();
      delays.push(next);
      clock.advance(next);
    }
    // Ceilings 1, 2, 4 s; from the 3rd identical refusal on the cap is the long one: 8, 16, 32 s, not 4 s.
    expect(delays).toEqual([999, 1999, 3999, 7999, 15_999, 31_999]);
    expect(persistent(errors)).toHaveLength(1);
    // A different failure starts a new streak: back to the normal cap.
    failure = () => new NetworkError("connection-refused", "refused");
    await until(() => failed() > 6, "the next attempt failed");
    expect(clock.nextAt()! - clock.ticks()).toBe(3999);
  });
});
