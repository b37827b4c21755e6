// The firmware's own network (firmware/network/network.ts) on simulated airwaves and a simulated SNTP
// server, on a virtual clock: joining at start without blocking, networks tried in turn, backoff with jitter
// after a whole round failed, loss noticed and joined again, SNTP after a connection while the clock is
// unset (retried with backoff while blocked), a periodic resync, and "online" only with an address and a
// set clock.
import { describe, expect, it } from "vitest";
import { Network, type NetworkEvent, type NetworkOptions } from "../../firmware/network/network.js";
import type { BufferLike, Datagram, UdpConstructor, UdpOptions, UdpSocket } from "../../firmware/platform/ports.js";
import { Airwaves, simulatedWiFiClass } from "../../firmware/platform/simulated-wifi.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { sntpReply } from "../../host-sim/sntp-server.js";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

/** A UDP class whose datagrams reach an SNTP server on the virtual clock (20 ms away) unless blocked. */
function simulatedSntp(clock: VirtualClock) {
  const server = { blocked: false, requests: 0 };
  class Udp implements UdpSocket {
    readonly target: unknown;
    readonly #waiting: Datagram[] = [];
    #closed = false;
    constructor(private readonly options: UdpOptions) {
      this.target = options.target;
    }
    read(): Datagram | undefined {
      return this.#waiting.shift();
    }
    write(bytes: BufferLike, address: string, port: number): void {
      server.requests++;
      if (server.blocked) return;
      const request = new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : bytes);
      clock.set(() => {
        if (this.#closed) return;
        const reply = sntpReply(request, NOW + clock.ticks())!;
        this.#waiting.push(Object.assign(reply.buffer as ArrayBuffer, { address, port }));
        this.options.onReadable?.call(this, this.#waiting.length);
      }, 20);
    }
    close(): void {
      this.#closed = true;
    }
  }
  return { server, Udp: Udp as UdpConstructor };
}

function setup(options: Partial<NetworkOptions> & { airwaves?: Airwaves } = {}) {
  const clock = new VirtualClock(null);
  const airwaves = options.airwaves ?? new Airwaves();
  const sntp = simulatedSntp(clock);
  const seen = { online: [] as boolean[], events: [] as NetworkEvent[] };
  const network = new Network({
    WiFi: simulatedWiFiClass({ airwaves, clock, associationMs: 500 }),
    networks: [{ ssid: "ward", password: "secret" }],
    clock,
    random: () => 0.5,
    sntp: { UDP: sntp.Udp, resolve: (host, callback) => callback(host, "10.0.0.1"), servers: ["time.lan"] },
    onOnline: (online) => seen.online.push(online),
    onEvent: (event) => seen.events.push(event),
    ...options,
  });
  return { clock, airwaves, sntp, seen, network };
}

const kinds = (events: NetworkEvent[]) => events.map((e) => e.kind);

describe("the device's network", () => {
  it("joins at start, sets the clock by SNTP, and only then is online", () => {
    const { clock, seen, network } = setup();
    network.start();
    expect(network.online).toBe(false); // start() returns at once
    clock.advance(500);
    expect(network.up).toBe(true);
    expect(network.online).toBe(false); // associated, but the clock is unset: TLS could not check dates
    clock.advance(20);
    // The server's time (it answered at tick 520) plus half the 20 ms round trip, to the millisecond.
    expect(Math.abs(clock.wallTime()! - (NOW + 530))).toBeLessThanOrEqual(1);
    expect(network.online).toBe(true);
    expect(seen.online).toEqual([true]);
    expect(kinds(seen.events)).toEqual(["joining", "up", "clock-set"]);
  });

  it("with nothing in range keeps trying with backoff and jitter, and joins when a network comes", () => {
    const airwaves = new Airwaves();
    airwaves.nowhere();
    const { clock, seen, network } = setup({ airwaves, backoff: { base: 2000, cap: 8000 } });
    network.start();
    clock.advance(60_000);
    const failures = seen.events.filter((e) => e.kind === "join-failed") as Extract<NetworkEvent, { kind: "join-failed" }>[];
    // Each 500 ms association fails; waits of half the ceiling (random 0.5): 1000, 2000, 4000, then 4000 (cap 8000).
    expect(failures.slice(0, 5).map((f) => f.retryMs)).toEqual([1000, 2000, 4000, 4000, 4000]);
    expect(network.online).toBe(false);
    airwaves.everywhere();
    clock.advance(5000);
    expect(network.online).toBe(true);
  });

  it("tries the configured networks in turn: the first out of range, the second with a wrong password, the third joins", () => {
    const airwaves = new Airwaves();
    airwaves.only([{ ssid: "b", password: "right" }, { ssid: "c" }]);
    const { clock, seen, network } = setup({
      airwaves,
      networks: [{ ssid: "a" }, { ssid: "b", password: "wrong" }, { ssid: "c" }],
    });
    network.start();
    clock.advance(2000);
    expect(seen.events.filter((e) => e.kind === "joining").map((e) => (e as { ssid: string }).ssid)).toEqual(["a", "b", "c"]);
    expect(network.ssid).toBe("c");
    expect(network.online).toBe(true);
  });

  it("notices a lost network, goes offline at once, joins again, and needs no SNTP for a clock already set", () => {
    const { clock, airwaves, sntp, seen, network } = setup();
    network.start();
    clock.advance(1000);
    const requests = sntp.server.requests;
    airwaves.nowhere();
    expect(network.online).toBe(false);
    expect(seen.online).toEqual([true, false]);
    clock.advance(120_000);
    expect(network.online).toBe(false);
    airwaves.everywhere();
    clock.advance(31_000); // at most the backoff cap (30 s) and an association
    expect(network.online).toBe(true);
    expect(network.losses).toBe(1);
    expect(sntp.server.requests).toBe(requests);
  });

  it("while SNTP is blocked: associated but not online, SNTP retried with backoff, online once it answers", () => {
    const { clock, sntp, seen, network } = setup({ sntpBackoff: { base: 5000, cap: 20_000 } });
    sntp.server.blocked = true;
    network.start();
    clock.advance(120_000);
    expect(network.up).toBe(true);
    expect(network.online).toBe(false);
    expect(clock.wallTime()).toBeUndefined();
    const failures = seen.events.filter((e) => e.kind === "time-failed");
    expect(failures.length).toBeGreaterThanOrEqual(5);
    sntp.server.blocked = false;
    clock.advance(30_000);
    expect(network.online).toBe(true);
  });

  it("resynchronises the clock every resync period while up", () => {
    const { clock, sntp, network } = setup({ resyncMs: 3_600_000 });
    network.start();
    clock.advance(1000);
    const first = sntp.server.requests;
    clock.advance(3_600_000);
    expect(sntp.server.requests).toBe(first + 1);
    clock.advance(3_600_000);
    expect(sntp.server.requests).toBe(first + 2);
    expect(network.online).toBe(true);
  });

  it("close() releases the interface and every timer", () => {
    const { clock, network } = setup();
    network.start();
    clock.advance(1000);
    network.close();
    expect(clock.pending).toBe(0);
    expect(network.online).toBe(false);
  });
});

// On demand: the uplink's duty cycle takes the radio down between uploads (request() / release()).
describe("the network on demand", () => {
  it("joins only once requested, leaves on release (offline at once, no timer left), and joins again on the next request", () => {
    const { clock, seen, network } = setup({ onDemand: true });
    network.start();
    clock.advance(60_000);
    expect(kinds(seen.events)).toEqual([]); // nothing joined: not requested
    expect(clock.pending).toBe(0);
    network.request();
    clock.advance(520);
    expect(network.online).toBe(true);
    network.release();
    expect(network.online).toBe(false);
    expect(network.up).toBe(false);
    expect(clock.pending).toBe(0); // no join, no SNTP, no timer while released
    expect(kinds(seen.events).filter((k) => k === "released").length).toBe(1);
    clock.advance(300_000);
    expect(seen.online).toEqual([true, false]);
    network.request();
    clock.advance(500); // the clock is set: online with the association, no SNTP round
    expect(network.online).toBe(true);
    expect(kinds(seen.events)).toEqual(["joining", "up", "clock-set", "released", "joining", "up"]);
    expect(network.joins).toBe(2);
  });

  it("a request before start() joins at start; a release while joining stops the join", () => {
    const { clock, seen, network } = setup({ onDemand: true });
    network.request();
    network.start();
    clock.advance(200);
    network.release();
    clock.advance(10_000);
    expect(network.up).toBe(false);
    expect(kinds(seen.events)).toEqual(["joining", "released"]);
    expect(clock.pending).toBe(0);
  });

  it("does the resync that fell due while released at the next join", () => {
    const { clock, sntp, network } = setup({ onDemand: true, resyncMs: 3_600_000 });
    network.start();
    network.request();
    clock.advance(1000);
    const first = sntp.server.requests;
    network.release();
    clock.advance(4 * 3_600_000);
    expect(sntp.server.requests).toBe(first); // none while released
    network.request();
    clock.advance(600);
    expect(sntp.server.requests).toBe(first + 1);
  });

  it("leaves an association left over from a soft restart when not requested", () => {
    const clock = new VirtualClock(null);
    let connection = 500; // the driver is still associated from before the restart
    class Associated {
      get connection() {
        return connection;
      }
      connect() {}
      disconnect() {
        connection = 200;
      }
      close() {}
    }
    const network = new Network({ WiFi: Associated, networks: [{ ssid: "ward" }], clock, onDemand: true });
    network.start();
    expect(connection).toBe(200);
    expect(network.up).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
