// The device's Socket binding with fakes shaped like the SDK: Net.resolve, the ECMA-419 TCP socket (which
// needs an IP address, and on which the TLS session keeps its readable / writable counts) and the SDK's TLS
// session (modules/crypt/ssl/session_419.js), which the binding steps through the handshake and reads
// records from inside the TCP callbacks.
import { describe, expect, it } from "vitest";
import { DnsError } from "../../firmware/mqtt/platform/dns-error.js";
import {
  moddableSocketClass,
  sessionOptions,
  type PlatformSocket,
  type SocketPlatform,
  type TlsSession,
} from "../../firmware/mqtt/platform/ecma419/tcp-tls-socket.js";
import { tlsFailure } from "../../firmware/mqtt/platform/ecma419/tls-failure.js";
import { CLOCK_SET_AFTER_MS } from "../../firmware/mqtt/common/wall-clock.js";
import type { BufferLike, SocketOptions } from "../../firmware/platform/ports.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import { PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { ManualClock } from "../support/manual-clock.js";

type Callbacks = {
  target?: unknown;
  onReadable?: (this: FakeTcp, n: number) => void;
  onWritable?: (this: FakeTcp, n: number) => void;
  onError?: (this: FakeTcp) => void;
};

class FakeTcp implements PlatformSocket {
  static opened: FakeTcp[] = [];
  readable = 0;
  writable = 0;
  closed = false;
  written: number[] = [];
  /** As ECMA-419 sockets do: the option `target` is kept on the socket, and callbacks get the socket as `this`. */
  readonly target: unknown;
  constructor(readonly options: { address: string; port: number } & Callbacks) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(options.address)) throw new Error("invalid address"); // as lwIP / inet_aton
    this.target = options.target;
    FakeTcp.opened.push(this);
  }
  read(): ArrayBuffer {
    return new Uint8Array([1, 2, 3]).buffer;
  }
  write(bytes: BufferLike): number {
    this.written.push(...new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : bytes));
    return this.writable - bytes.byteLength;
  }
  close(): void {
    this.closed = true;
  }
}

/**
 * Like the SDK's session: the handshake sends ClientHello on the first step, then takes one server record
 * (one byte here) per step and finishes after `records` of them; each application record is one byte of
 * TCP that decrypts to `[9]`. `fail` makes the next step or read throw.
 */
class FakeSession implements TlsSession {
  static last: FakeSession | undefined;
  static throwOnConstruct: Error | undefined;
  static records = 2;
  fail: Error | undefined;
  steps = 0;
  alert: { level: number; description: number } | undefined;
  #taken = 0;
  #sentHello = false;
  constructor(readonly options: Record<string, unknown>) {
    if (FakeSession.throwOnConstruct) throw FakeSession.throwOnConstruct;
    FakeSession.last = this;
  }
  initiateHandshake(): void {}
  handshake(s: PlatformSocket): boolean {
    this.steps++;
    if (this.fail) throw this.fail;
    if (!this.#sentHello) {
      this.#sentHello = true;
      s.writable -= 50; // ClientHello
      return false;
    }
    if (s.readable === 0) return false;
    s.readable--;
    return ++this.#taken >= FakeSession.records;
  }
  read(s: PlatformSocket): Uint8Array | null | undefined {
    if (this.fail) throw this.fail;
    if (s.readable === 0) return undefined;
    s.readable--;
    return new Uint8Array([9]);
  }
  write(s: PlatformSocket, bytes: BufferLike): number {
    s.writable -= bytes.byteLength + 29;
    return Math.max(0, s.writable - 32);
  }
  closes = 0;
}

function platform(resolved: Record<string, string | undefined> = {}, now = Date.UTC(2026, 0, 1)) {
  const lookups: ((address?: string) => void)[] = [];
  const names: string[] = [];
  const deferred: (() => void)[] = [];
  FakeTcp.opened = [];
  FakeSession.last = undefined;
  FakeSession.throwOnConstruct = undefined;
  FakeSession.records = 2;
  const p: SocketPlatform = {
    resolve(host, callback) {
      names.push(host);
      lookups.push((address) => callback(host, address));
    },
    TCP: FakeTcp,
    Session: FakeSession,
    now: () => now,
    defer: (callback) => deferred.push(callback),
    closeNotify(session, s) {
      (session as FakeSession).closes++;
      s.writable -= 31; // the close_notify alert record
    },
  };
  /** Answers the pending DNS look-ups (asynchronously, as Net.resolve does). */
  const answer = () => {
    for (const [i, lookup] of lookups.splice(0).entries()) lookup(resolved[names[i]]);
  };
  return { Socket: moddableSocketClass(p), names, answer, deferred };
}

/** Connects the TLS socket: writable, then the server's handshake records. */
function handshake(tcp: FakeTcp): void {
  tcp.options.onWritable!.call(tcp, 4096);
  tcp.options.onReadable!.call(tcp, FakeSession.records);
}

function events() {
  const log: string[] = [];
  const errors: (Error | undefined)[] = [];
  const options = (extra: Partial<SocketOptions>): SocketOptions => ({
    port: 8883,
    onReadable: (n) => log.push(`readable ${n}`),
    onWritable: (n) => log.push(`writable ${n}`),
    onError: (e) => errors.push(e),
    ...extra,
  });
  return { log, errors, options };
}

const secure = { certificate: new ArrayBuffer(4), clientCertificates: [new ArrayBuffer(5)], clientKey: new ArrayBuffer(6) };

describe("Moddable socket binding", () => {
  it("resolves the host name first, dials the address, and gives TLS the host name for SNI", () => {
    const { Socket, names, answer } = platform({ "broker.example": "10.1.2.3" });
    const { options } = events();
    new Socket(options({ host: "broker.example", secure: { ...secure, serverName: "broker.example" } }));
    expect(names).toEqual(["broker.example"]);
    expect(FakeTcp.opened).toHaveLength(0); // nothing dialled before the answer
    answer();
    expect(FakeTcp.opened).toHaveLength(1);
    expect(FakeTcp.opened[0].options.address).toBe("10.1.2.3");
    expect(FakeSession.last!.options).toEqual({ ...secure, serverName: "broker.example", protocolVersion: 0x303, cache: true });
  });

  it("dials an IPv4 literal without a DNS look-up", () => {
    const { Socket, names } = platform();
    const { options } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    expect(names).toEqual([]);
    expect(FakeTcp.opened[0].options.address).toBe("127.0.0.1");
  });

  it("dials loopback for localhost without a look-up, and still gives TLS the name", () => {
    const { Socket, names } = platform();
    const { options } = events();
    new Socket(options({ host: "LocalHost", secure }));
    expect(names).toEqual([]);
    expect(FakeTcp.opened[0].options.address).toBe("127.0.0.1");
    expect(FakeSession.last!.options.serverName).toBe("LocalHost");
  });

  it("reports an unresolvable host as a DnsError and opens nothing", () => {
    const { Socket, answer } = platform({});
    const { options, errors } = events();
    new Socket(options({ host: "nowhere.invalid", secure }));
    answer();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DnsError);
    expect((errors[0] as DnsError).code).toBe("dns-unresolved");
    expect(FakeTcp.opened).toHaveLength(0);
  });

  it("closed before the DNS answer: nothing is opened and nothing reported", () => {
    const { Socket, answer } = platform({ "broker.example": "10.1.2.3" });
    const { options, errors, log } = events();
    new Socket(options({ host: "broker.example", secure })).close();
    answer();
    expect(FakeTcp.opened).toHaveLength(0);
    expect(errors).toEqual([]);
    expect(log).toEqual([]);
  });

  it("steps the handshake as far as the records that arrived allow, then reports the connection once", () => {
    const { Socket } = platform();
    const { options, log } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    const tcp = FakeTcp.opened[0];
    tcp.options.onWritable!.call(tcp, 4096);
    expect(tcp.writable).toBe(4046); // ClientHello went out; waiting for the server
    expect(log).toEqual([]);
    tcp.options.onReadable!.call(tcp, 1);
    expect(log).toEqual([]);
    tcp.options.onReadable!.call(tcp, 1);
    expect(log).toEqual(["writable 3950"]); // TLS record overhead (96) kept back
    tcp.options.onWritable!.call(tcp, 4096);
    expect(log).toEqual(["writable 3950", "writable 4000"]);
  });

  it("turns an exception of the TLS handshake into a TlsError on onError and closes the socket", () => {
    const { Socket } = platform();
    const { options, errors, log } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeSession.last!.fail = new Error("certificate: auth err");
    expect(() => FakeTcp.opened[0].options.onWritable!.call(FakeTcp.opened[0], 4096)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect((errors[0] as TlsError).code).toBe("certificate-unknown");
    expect(FakeTcp.opened[0].closed).toBe(true);
    expect(log).toEqual([]);
  });

  it("a server alert during the handshake keeps its number: 116 is certificate-required", () => {
    const { Socket } = platform();
    const { options, errors } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeTcp.opened[0].options.onWritable!.call(FakeTcp.opened[0], 4096);
    FakeSession.last!.fail = new Error("alert: 2, 116");
    FakeTcp.opened[0].options.onReadable!.call(FakeTcp.opened[0], 1);
    expect((errors[0] as TlsError).code).toBe("certificate-required");
    expect((errors[0] as TlsError).alert).toBe(116);
  });

  it("a close_notify that ends the handshake is a handshake failure, not a connection", () => {
    const { Socket } = platform();
    const { options, errors, log } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeSession.last!.alert = { level: 1, description: 0 };
    handshake(FakeTcp.opened[0]);
    expect(log).toEqual([]);
    expect((errors[0] as TlsError).code).toBe("handshake-failure");
  });

  it("lets an exception of the caller's own callback through unchanged", () => {
    const { Socket } = platform();
    const errors: unknown[] = [];
    const bug = new Error("bug in the caller");
    new Socket({ host: "127.0.0.1", port: 8883, secure, onWritable: () => { throw bug; }, onError: (e) => errors.push(e) });
    expect(() => handshake(FakeTcp.opened[0])).toThrow(bug);
    expect(errors).toEqual([]);
  });

  it("a TLS session that refuses its CA while the clock is unset reports clock-unset", () => {
    const { Socket } = platform({}, CLOCK_SET_AFTER_MS - 1);
    const { options, errors } = events();
    FakeSession.throwOnConstruct = new Error("date validation failed");
    new Socket(options({ host: "127.0.0.1", secure }));
    expect((errors[0] as TlsError).code).toBe("clock-unset");
    expect(FakeTcp.opened).toHaveLength(0);
  });

  it("hands out each decrypted record, and decrypts the records still waiting once the last is read", () => {
    const { Socket, deferred } = platform();
    const { options, log } = events();
    const socket = new Socket(options({ host: "127.0.0.1", secure }));
    const tcp = FakeTcp.opened[0];
    handshake(tcp);
    log.length = 0;
    tcp.options.onReadable!.call(tcp, 2); // two records
    expect(log).toEqual(["readable 1"]);
    expect([...new Uint8Array(socket.read()!)]).toEqual([9]);
    expect(socket.read()).toBeUndefined();
    expect(deferred).toHaveLength(1); // the second record waits in TCP: decrypted next
    deferred.shift()!();
    expect(log).toEqual(["readable 1", "readable 1"]);
    expect([...new Uint8Array(socket.read()!)]).toEqual([9]);
  });

  it("reports the writable count after a TLS write, less the record overhead", () => {
    const { Socket } = platform();
    const { options } = events();
    const socket = new Socket(options({ host: "127.0.0.1", secure }));
    handshake(FakeTcp.opened[0]);
    FakeTcp.opened[0].options.onWritable!.call(FakeTcp.opened[0], 4096);
    expect(socket.write(new Uint8Array(10))).toBe(4096 - 10 - 29 - 96);
  });

  it("says close_notify before closing a connection once secure (a broker forgets a session cut without it), and not before", () => {
    const { Socket } = platform();
    const { options } = events();
    const socket = new Socket(options({ host: "127.0.0.1", secure }));
    const session = FakeSession.last!;
    socket.close(); // still handshaking: nothing to say
    expect(session.closes).toBe(0);
    expect(FakeTcp.opened[0].closed).toBe(true);
    const secured = new Socket(options({ host: "127.0.0.1", secure }));
    handshake(FakeTcp.opened[1]);
    const writable = FakeTcp.opened[1].writable;
    secured.close();
    expect(FakeSession.last!.closes).toBe(1);
    expect(FakeTcp.opened[1].writable).toBe(writable - 31); // written before the TCP socket closed
    expect(FakeTcp.opened[1].closed).toBe(true);
    secured.close();
    expect(FakeSession.last!.closes).toBe(1);
  });

  it("a broken record after the handshake is a TLS failure", () => {
    const { Socket } = platform();
    const { options, errors } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    handshake(FakeTcp.opened[0]);
    FakeSession.last!.fail = new Error("alert: 2, 20");
    FakeTcp.opened[0].options.onReadable!.call(FakeTcp.opened[0], 1);
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect(FakeTcp.opened[0].closed).toBe(true);
  });

  it("without secure it is plain TCP, and write() counts the window down itself", () => {
    const { Socket } = platform();
    const { options, log } = events();
    const socket = new Socket(options({ host: "127.0.0.1" }));
    expect(FakeSession.last).toBeUndefined();
    FakeTcp.opened[0].options.onWritable!.call(FakeTcp.opened[0], 100);
    expect(log).toEqual(["writable 100"]);
    expect(socket.write(new Uint8Array([1, 2, 3]))).toBe(97);
    expect(FakeTcp.opened[0].written).toEqual([1, 2, 3]);
    socket.close();
    expect(FakeTcp.opened[0].closed).toBe(true);
  });

  it("the peer closing after the handshake reports once, with no error object (the client calls it connection-lost)", () => {
    const { Socket } = platform();
    const { options, errors } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    handshake(FakeTcp.opened[0]);
    FakeTcp.opened[0].options.onError!.call(FakeTcp.opened[0]);
    FakeTcp.opened[0].options.onError!.call(FakeTcp.opened[0]);
    expect(errors).toEqual([undefined]);
  });

  it("a cut during the handshake, without an alert, is a network failure, not a TLS refusal", () => {
    const { Socket } = platform();
    const { options, errors } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeTcp.opened[0].options.onWritable!.call(FakeTcp.opened[0], 4096); // ClientHello sent
    FakeTcp.opened[0].options.onError!.call(FakeTcp.opened[0]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(NetworkError);
    expect(errors[0]).toMatchObject({ code: "connection-lost", duringTlsHandshake: true });
  });

  it("a TCP connect that never completed is connection-refused, with TLS behind it or not, and never a TLS failure", () => {
    for (const tls of [secure, undefined]) {
      const { Socket } = platform();
      const { options, errors } = events();
      new Socket(options({ host: "127.0.0.1", secure: tls }));
      FakeTcp.opened[0].options.onError!.call(FakeTcp.opened[0]); // lwIP: RST to our SYN, or no route
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(NetworkError);
      expect(errors[0]).toMatchObject({ code: "connection-refused" });
      expect(FakeTcp.opened[0].closed).toBe(true);
    }
  });

  it("gives the SDK session one CA certificate, TLS 1.2, the host as server name, and its own option names", () => {
    const a = new ArrayBuffer(1);
    const b = new ArrayBuffer(2);
    expect(sessionOptions({ certificate: [a, b], verify: false, applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" }, "broker.lan")).toEqual({
      protocolVersion: 0x303,
      serverName: "broker.lan",
      certificate: a,
      verify: false,
      applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca",
    });
  });
});

describe("TLS failures of the SDK stack as TlsError codes", () => {
  const set = Date.UTC(2026, 0, 1);
  it.each([
    ["certificate: auth err", set, "certificate-unknown"],
    ["date validation failed", set, "expired"],
    ["date validation failed", 0, "clock-unset"],
    ["certificateVerify: unimplemented", set, "unsupported-key"],
    ["protocolVersion: not supported", set, "protocol-version"],
    ["alert: 2, 116", set, "certificate-required"],
    ["alert: 2, 42", set, "bad-certificate"],
    ["alert: 2, 48", set, "bad-certificate"],
    ["alert: 2, 40", set, "handshake-failure"],
    ["handshake: unsuppoorted cipher", set, "handshake-failure"],
  ])("%s (clock %d) -> %s", (message, now, code) => {
    const error = tlsFailure(new Error(message), now);
    expect(error).toBeInstanceOf(TlsError);
    expect(error.code).toBe(code);
  });
});

describe("the MQTT client over the device binding: what counts as persistent", () => {
  /** Every connection the client opens meets `fate` (asynchronously, as the device's callbacks come). */
  function attempts(fate: "refused" | "cut" | "alert", tries: number) {
    const clock = new ManualClock();
    const { Socket } = platform();
    const errors: Error[] = [];
    const delays: number[] = [];
    const client = new MqttClient({
      Socket,
      clock,
      random: () => 0.999,
      brokers: [{ host: "broker.lan", address: "10.0.0.1", port: 8883 }],
      secure,
      backoff: { base: 1000, cap: 2000, persistentCap: 600_000 },
      onError: (e) => errors.push(e),
    });
    const settle = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    return (async () => {
      client.connect();
      for (let i = 0; i < tries; i++) {
        const tcp = FakeTcp.opened[i];
        if (fate !== "refused") tcp.options.onWritable!.call(tcp, 4096); // connected: ClientHello goes out
        if (fate === "alert") {
          FakeSession.last!.fail = new Error("alert: 2, 48");
          tcp.options.onReadable!.call(tcp, 1);
        } else tcp.options.onError!.call(tcp); // RST to our SYN, or a cut mid-handshake
        await settle();
        const next = clock.nextAt()! - clock.ticks();
        delays.push(next);
        clock.advance(next);
      }
      client.close();
      return { errors, delays };
    })();
  }

  it.each([
    ["refused connects", "connection-refused", "refused"],
    ["cuts during the handshake", "connection-lost", "cut"],
  ] as const)("ten %s: each %s, none persistent, the backoff stays at its normal cap", async (_name, code, fate) => {
    const { errors, delays } = await attempts(fate, 10);
    expect(errors.filter((e) => e instanceof PersistentFailureError)).toHaveLength(0);
    expect(errors.map((e) => (e instanceof NetworkError ? e.code : e.name))).toEqual(Array(10).fill(code));
    expect(Math.max(...delays)).toBeLessThan(2000);
  });

  it("three TLS alerts from the broker in a row: persistent, reported once, then the long cap", async () => {
    const { errors, delays } = await attempts("alert", 4);
    const persistent = errors.filter((e) => e instanceof PersistentFailureError);
    expect(persistent).toHaveLength(1);
    expect(errors.filter((e) => e instanceof TlsError)).toHaveLength(4);
    expect(delays[2]).toBeGreaterThan(2000); // after the third: the 4000 ceiling, above the normal 2000 cap
  });
});
