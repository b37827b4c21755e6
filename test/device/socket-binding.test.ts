// The device's Socket binding with fakes shaped like the SDK: Net.resolve, the ECMA-419 TCP socket (which
// needs an IP address) and the SDK's TLS socket, which builds its TCP socket through `options.TCP.io` and
// runs the handshake inside that socket's callbacks (examples/io/tcp/tlssocket).
import { describe, expect, it } from "vitest";
import { DnsError } from "../../firmware/platform/moddable/dns-error.js";
import { moddableSocketClass, sessionOptions, type SocketPlatform } from "../../firmware/platform/moddable/socket-binding.js";
import { CLOCK_SET_AFTER_MS, tlsFailure } from "../../firmware/platform/moddable/tls-failure.js";
import type { SocketOptions } from "../../firmware/platform/ports.js";
import { TlsError } from "../../firmware/platform/tls-error.js";

type Callbacks = { onReadable?: (n: number) => void; onWritable?: (n: number) => void; onError?: () => void };

class FakeTcp {
  static opened: FakeTcp[] = [];
  closed = false;
  written: number[] = [];
  constructor(readonly options: { address: string; port: number } & Callbacks) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(options.address)) throw new Error("invalid address"); // as lwIP / inet_aton
    FakeTcp.opened.push(this);
  }
  read(): ArrayBuffer {
    return new Uint8Array([1, 2, 3]).buffer;
  }
  write(bytes: Uint8Array): void {
    this.written.push(...bytes);
  }
  close(): void {
    this.closed = true;
  }
}

/** Like the SDK's TLSSocket: `handshake` runs when the TCP socket first becomes writable, and may throw. */
class FakeTls {
  static handshake: () => void = () => {};
  static throwOnConstruct: Error | undefined;
  static last: FakeTls | undefined;
  tcp: FakeTcp;
  constructor(readonly options: { host: string; address: string; port: number; secure: Record<string, unknown>; TCP: { io: unknown } } & Callbacks) {
    if (FakeTls.throwOnConstruct) throw FakeTls.throwOnConstruct;
    FakeTls.last = this;
    const io = options.TCP.io as new (o: object) => FakeTcp;
    this.tcp = new io({
      ...options,
      onWritable: (count: number) => {
        FakeTls.handshake();
        options.onWritable?.(count - 96);
      },
      onReadable: (count: number) => options.onReadable?.(count),
    });
  }
  read(): ArrayBuffer {
    return new Uint8Array([9]).buffer;
  }
  write(bytes: Uint8Array): number {
    return 1000 - bytes.byteLength;
  }
  close(): void {
    this.tcp.close();
  }
}

function platform(resolved: Record<string, string | undefined> = {}, now = Date.UTC(2026, 0, 1)) {
  const lookups: ((address?: string) => void)[] = [];
  const names: string[] = [];
  FakeTcp.opened = [];
  FakeTls.handshake = () => {};
  FakeTls.throwOnConstruct = undefined;
  FakeTls.last = undefined;
  const p: SocketPlatform = {
    resolve(host, callback) {
      names.push(host);
      lookups.push((address) => callback(host, address));
    },
    TCP: FakeTcp as unknown as SocketPlatform["TCP"],
    TLSSocket: FakeTls as unknown as SocketPlatform["TLSSocket"],
    now: () => now,
  };
  /** Answers the pending DNS look-ups (asynchronously, as Net.resolve does). */
  const answer = () => {
    for (const [i, lookup] of lookups.splice(0).entries()) lookup(resolved[names[i]]);
  };
  return { Socket: moddableSocketClass(p), names, answer };
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
    expect(FakeTls.last!.options.host).toBe("broker.example");
    expect(FakeTls.last!.options.secure).toEqual({ ...secure, serverName: "broker.example" });
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
    expect(FakeTls.last!.options.host).toBe("LocalHost");
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

  it("turns an exception of the TLS handshake inside the TCP callbacks into a TlsError on onError", () => {
    const { Socket } = platform();
    const { options, errors, log } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeTls.handshake = () => {
      throw new Error("certificate: auth err");
    };
    expect(() => FakeTcp.opened[0].options.onWritable!(4096)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect((errors[0] as TlsError).code).toBe("certificate-unknown");
    expect(FakeTcp.opened[0].closed).toBe(true);
    expect(log).toEqual([]);
  });

  it("lets an exception of the caller's own callback through unchanged", () => {
    const { Socket } = platform();
    const errors: unknown[] = [];
    const bug = new Error("bug in the caller");
    new Socket({ host: "127.0.0.1", port: 8883, secure, onWritable: () => { throw bug; }, onError: (e) => errors.push(e) });
    expect(() => FakeTcp.opened[0].options.onWritable!(4096)).toThrow(bug);
    expect(errors).toEqual([]);
  });

  it("a TLS session that refuses its CA while the clock is unset reports clock-unset", () => {
    const { Socket } = platform({}, CLOCK_SET_AFTER_MS - 1);
    const { options, errors } = events();
    FakeTls.throwOnConstruct = new Error("date validation failed");
    new Socket(options({ host: "127.0.0.1", secure }));
    expect((errors[0] as TlsError).code).toBe("clock-unset");
  });

  it("passes data through and reports the writable count after a TLS write", () => {
    const { Socket } = platform();
    const { options, log } = events();
    const socket = new Socket(options({ host: "127.0.0.1", secure }));
    FakeTcp.opened[0].options.onWritable!(4096);
    FakeTcp.opened[0].options.onReadable!(1);
    expect(log).toEqual(["writable 4000", "readable 1"]);
    expect([...new Uint8Array(socket.read()!)]).toEqual([9]);
    expect(socket.write(new Uint8Array(10))).toBe(990);
  });

  it("without secure it is plain TCP, and write() counts the window down itself", () => {
    const { Socket } = platform();
    const { options, log } = events();
    const socket = new Socket(options({ host: "127.0.0.1" }));
    expect(FakeTls.last).toBeUndefined();
    FakeTcp.opened[0].options.onWritable!(100);
    expect(log).toEqual(["writable 100"]);
    expect(socket.write(new Uint8Array([1, 2, 3]))).toBe(97);
    expect(FakeTcp.opened[0].written).toEqual([1, 2, 3]);
    socket.close();
    expect(FakeTcp.opened[0].closed).toBe(true);
  });

  it("the peer closing reports once, with no error object (the client calls it connection-lost)", () => {
    const { Socket } = platform();
    const { options, errors } = events();
    new Socket(options({ host: "127.0.0.1", secure }));
    FakeTls.last!.options.onError!();
    FakeTls.last!.options.onError!();
    expect(errors).toEqual([undefined]);
  });

  it("gives the SDK session one CA certificate and its own option names", () => {
    const a = new ArrayBuffer(1);
    const b = new ArrayBuffer(2);
    expect(sessionOptions({ certificate: [a, b], verify: false, applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" })).toEqual({
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
