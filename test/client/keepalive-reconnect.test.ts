// Keepalive, dead-link detection, reconnect backoff and broker failover (virtual clock, real sockets).
import { describe, expect, it } from "vitest";
import { Backoff } from "../../firmware/mqtt/common/backoff.js";
import { FakeBroker } from "../support/fake-broker.js";
import { ManualClock } from "../support/manual-clock.js";
import { until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

describe("keepalive", () => {
  it("sends PINGREQ after an idle keepalive interval, not before", async () => {
    const clock = new ManualClock();
    const { c } = await fake.connected({ clock, keepAlive: 10 });
    clock.advance(9_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.map((r) => r.packet.cmd)).toEqual(["connect"]);
    clock.advance(1);
    const ping = await c.next("pingreq");
    expect(ping.raw).toEqual(Buffer.from([0xc0, 0x00]));
  });

  it("activity postpones PINGREQ: it is due keepalive seconds after the last packet sent", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, keepAlive: 10 });
    clock.advance(6_000);
    h.client.publish("t", "x");
    await c.next("publish");
    clock.advance(6_000); // 12 s since CONNECT, 6 s since the PUBLISH
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.some((r) => r.packet.cmd === "pingreq")).toBe(false);
    clock.advance(4_000);
    await c.next("pingreq");
  });

  it("declares the link dead when no PINGRESP arrives within pingTimeout, closes it and reconnects", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, keepAlive: 10, pingTimeout: 3_000 });
    clock.advance(10_000);
    await c.next("pingreq");
    clock.advance(2_999);
    expect(h.seen.disconnects).toHaveLength(0);
    clock.advance(1);
    expect(h.seen.disconnects[0]).toMatchObject({ code: "ping-timeout" });
    await c.waitClosed();
    clock.advance((clock.nextAt() ?? 0) - clock.ticks());
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => h.seen.connects.length === 2, "reconnected");
  });

  it("a PINGRESP in time keeps the link", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, keepAlive: 10, pingTimeout: 3_000 });
    clock.advance(10_000);
    await c.next("pingreq");
    c.send({ cmd: "pingresp" });
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(5_000);
    expect(h.seen.disconnects).toHaveLength(0);
    expect(h.client.connected).toBe(true);
  });

  it("MQTT 5: the server's Server Keep Alive overrides ours", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, keepAlive: 60, protocolVersion: 5 }, { serverKeepAlive: 5 });
    expect(h.seen.connects[0].keepAlive).toBe(5);
    clock.advance(5_000);
    await c.next("pingreq");
  });
});

describe("reconnect", () => {
  it("backs off exponentially with full jitter up to the cap, and resets after a successful CONNACK", () => {
    const draws = [0.999, 0.5, 0.25, 0.999, 0.999, 0.999, 0.999];
    let i = 0;
    const backoff = new Backoff(100, 1_000, () => draws[i++]);
    // ceilings: 100, 200, 400, 800, 1000 (cap), 1000
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([99, 100, 100, 799, 999, 999]);
    backoff.reset();
    expect(backoff.next()).toBe(99);
  });

  it("full jitter: delays are uniformly spread over [0, ceiling), not clustered", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 2000 }, () => new Backoff(1000, 1000, random).next());
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.floor(d / 250)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(400);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it("uses the backoff schedule between failed attempts and resets it after CONNACK", async () => {
    const clock = new ManualClock();
    const h = fake.clients.start({ clock, random: () => 0.999, backoff: { base: 1_000, cap: 4_000 }, connectTimeout: 60_000 });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const c = await fake.broker.nextConnection();
      await c.next("connect");
      c.destroy(); // refuse by closing before CONNACK
      await until(() => h.seen.errors.length === attempt + 1, "failure");
      const before = clock.ticks();
      const at = clock.nextAt()!;
      delays.push(at - before);
      clock.advance(at - before);
    }
    expect(delays).toEqual([999, 1998, 3996, 3996]);
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => h.seen.connects.length === 1, "connected");
    c.destroy();
    await until(() => h.seen.disconnects.length === 1, "disconnected");
    expect(clock.nextAt()! - clock.ticks()).toBe(999); // back to the base ceiling
  });

  it("fails over through the list of brokers", async () => {
    const second = await FakeBroker.start();
    try {
      const clock = new ManualClock();
      const h = fake.clients.start({
        clock,
        brokers: [
          { host: "127.0.0.1", port: fake.broker.port },
          { host: "127.0.0.1", port: second.port },
        ],
      });
      const c1 = await fake.broker.nextConnection();
      await c1.next("connect");
      c1.destroy();
      await until(() => h.seen.errors.length === 1, "first broker fails");
      clock.advance(clock.nextAt()! - clock.ticks());
      const c2 = await second.nextConnection();
      await c2.accept();
      await until(() => h.seen.connects.length === 1, "second broker");
      expect(h.seen.connects[0].broker.port).toBe(second.port);
    } finally {
      await second.close();
    }
  });

  it("a refused TCP connection is reported as connection-refused and retried", async () => {
    const clock = new ManualClock();
    const port = fake.broker.port;
    await fake.broker.close();
    const h = fake.clients.start({ clock, port });
    await until(() => h.seen.errors.length === 1, "refused");
    expect(h.seen.errors[0]).toMatchObject({ name: "NetworkError", code: "connection-refused" });
    expect(clock.pending).toBeGreaterThan(0); // the retry is scheduled
  });

  it("close() while waiting to reconnect cancels the retry and releases every timer", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock });
    c.destroy();
    await until(() => h.seen.disconnects.length === 1, "disconnected");
    expect(clock.pending).toBe(1);
    h.client.close();
    expect(clock.pending).toBe(0);
  });
});
