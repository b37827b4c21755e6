// The client and the platform's network (MqttClient.networkChanged): nothing is attempted while the network
// is down, the connection in hand is dropped when it goes, the client tries at once when it returns, and a
// lost network never counts against the broker. And which broker answers make a failure persistent: a
// CONNACK that refuses the client, never one that says the server is unavailable. Scripted broker, virtual
// clock (so "no attempt" means none at any time, not none yet).
import { describe, expect, it } from "vitest";
import { ConnackError, PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { ManualClock } from "../support/manual-clock.js";
import { settle, until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

describe("no network", () => {
  it("makes no attempt while the network is down, however long, and connects at once when it returns", async () => {
    const clock = new ManualClock();
    const h = fake.clients.make({ clock });
    h.client.networkChanged(false);
    h.client.connect();
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      await settle();
    }
    expect(fake.broker.connections).toHaveLength(0);
    expect(clock.pending).toBe(0); // not even a timer
    h.client.networkChanged(true); // no clock advance: at once
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => h.seen.connects.length === 1, "connected");
  });

  it("drops the connection when the network goes, reports network-down, and resumes the session at once on its return", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, cleanStart: false });
    h.client.publish("t", "kept", { qos: 1 });
    await c.next("publish"); // in flight, never acknowledged
    h.client.networkChanged(false);
    expect(h.client.connected).toBe(false);
    expect(h.seen.disconnects).toHaveLength(1);
    expect(h.seen.disconnects[0]).toBeInstanceOf(NetworkError);
    expect(h.seen.disconnects[0]).toMatchObject({ code: "network-down" });
    await c.waitClosed();
    clock.advance(3_600_000);
    await settle();
    expect(fake.broker.connections).toHaveLength(1);
    h.client.networkChanged(true);
    const c2 = await fake.broker.nextConnection();
    await c2.accept(true);
    const resent = await c2.next("publish");
    expect(resent.packet).toMatchObject({ dup: true, payload: Buffer.from("kept") });
    expect(h.seen.errors).toEqual([]);
  });

  it("cancels a pending backoff when the network goes, and tries at once (not after the backoff) when it returns", async () => {
    const clock = new ManualClock();
    const h = fake.clients.start({ clock, backoff: { base: 60_000, cap: 60_000 }, random: () => 0.99 });
    const c = await fake.broker.nextConnection();
    c.destroy(); // the attempt fails: a backoff of ~59 s starts
    await until(() => h.seen.errors.length === 1, "the failed attempt");
    expect(clock.pending).toBe(1);
    h.client.networkChanged(false);
    expect(clock.pending).toBe(0);
    h.client.networkChanged(true);
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => h.seen.connects.length === 1, "connected without waiting out the backoff");
  });

  it("a network lost mid-streak neither counts nor ends the broker's refusals: three refusals in a row stay three", async () => {
    const clock = new ManualClock();
    const h = fake.clients.start({ clock, backoff: { base: 10, cap: 10, persistentAfter: 3 } });
    const refuse = async () => {
      const c = await fake.broker.nextConnection();
      await c.next("connect");
      c.send({ cmd: "connack", returnCode: 5 }); // not authorised
      await c.waitClosed().catch(() => undefined);
    };
    await refuse();
    await until(() => h.seen.errors.length === 1, "first refusal");
    h.client.networkChanged(false);
    h.client.networkChanged(true);
    await refuse();
    await until(() => h.seen.errors.length === 2, "second refusal");
    clock.advance(10);
    await refuse();
    await until(() => h.seen.errors.some((e) => e instanceof PersistentFailureError), "persistent failure");
    const persistent = h.seen.errors.find((e) => e instanceof PersistentFailureError) as PersistentFailureError;
    expect(persistent.attempts).toBe(3);
    expect(persistent.cause).toBeInstanceOf(ConnackError);
  });
});

describe("CONNACK refusals and persistence", () => {
  async function refusals(returnCode: number, times: number) {
    const clock = new ManualClock();
    const h = fake.clients.start({ clock, backoff: { base: 10, cap: 10, persistentCap: 10, persistentAfter: 3 } });
    for (let i = 0; i < times; i++) {
      const c = await fake.broker.nextConnection();
      await c.next("connect");
      c.send({ cmd: "connack", returnCode });
      await until(() => h.seen.errors.filter((e) => e instanceof ConnackError).length === i + 1, `refusal ${i + 1}`);
      clock.advance(10);
    }
    return h.seen.errors.filter((e) => e instanceof PersistentFailureError);
  }

  it("bad credentials (0x04) three times in a row are persistent, reported once", async () => {
    expect(await refusals(4, 5)).toHaveLength(1);
  });

  it("server unavailable (0x03) is never persistent, however many times", async () => {
    expect(await refusals(3, 8)).toHaveLength(0);
  });
});

// disconnect(): a duty-cycled device between uploads. The connection ends on purpose, the session stays, and
// nothing is attempted until connect().
describe("disconnect() between uploads", () => {
  it("sends DISCONNECT, lets the socket go once the broker has closed it, attempts nothing until connect(), and resumes the session", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock, cleanStart: false });
    h.client.publish("t", "kept", { qos: 1 });
    await c.next("publish"); // in flight, never acknowledged in this connection
    let gone = 0;
    const target = { n: 1 };
    h.client.disconnect(function (this: unknown) {
      expect(this).toBe(target);
      gone++;
    }, target);
    expect(h.client.connected).toBe(false);
    await c.next("disconnect");
    expect(gone).toBe(0); // the socket is kept until the broker closes it: the DISCONNECT must leave first
    c.destroy(); // as a broker does on DISCONNECT (MQTT 3.14.4)
    await until(() => gone === 1, "the disconnect completed");
    expect(h.seen.disconnects).toEqual([]); // asked for: not a lost connection
    expect(h.seen.errors).toEqual([]);
    clock.advance(3_600_000); // no backoff, no keepalive, no attempt
    await settle();
    h.client.networkChanged(false);
    h.client.networkChanged(true); // a network coming back does not connect a paused client either
    await settle();
    expect(fake.broker.connections).toHaveLength(1);
    expect(clock.pending).toBe(0);
    h.client.connect();
    const c2 = await fake.broker.nextConnection();
    const connect = await c2.accept(true);
    expect(connect.packet).toMatchObject({ clean: false });
    const resent = await c2.next("publish");
    expect(resent.packet).toMatchObject({ dup: true, payload: Buffer.from("kept") });
    expect(gone).toBe(1);
  });

  it("lets the socket go after the linger when the broker keeps the connection open", async () => {
    const clock = new ManualClock();
    const { h, c } = await fake.connected({ clock });
    let gone = 0;
    h.client.disconnect(() => gone++, undefined, { lingerMs: 500 });
    await c.next("disconnect");
    clock.advance(499);
    expect(gone).toBe(0);
    clock.advance(1);
    expect(gone).toBe(1);
    await c.waitClosed();
  });

  it("takes no packet after its DISCONNECT, and completes at once when not connected or when the network goes", async () => {
    const clock = new ManualClock();
    const received: string[] = [];
    const { h, c } = await fake.connected({ clock, onMessage: (topic) => received.push(topic) });
    let gone = 0;
    h.client.disconnect(() => gone++);
    await c.next("disconnect");
    c.send({ cmd: "publish", topic: "late", payload: Buffer.from("x"), qos: 1, messageId: 7 });
    await settle();
    expect(received).toEqual([]); // the broker sends it again in the session
    h.client.networkChanged(false);
    expect(gone).toBe(1);
    const idle = fake.clients.make({ clock });
    let idleGone = 0;
    idle.client.disconnect(() => idleGone++);
    expect(idleGone).toBe(1);
  });
});
