// Connect behaviours (MQTT 3.1.1 / 5.0 sections 3.1 and 3.2), checked byte by byte against a scripted broker.
import { describe, expect, it } from "vitest";
import { ConnackError, TimeoutError } from "../../firmware/mqtt/client/client-errors.js";
import { ManualClock } from "../support/manual-clock.js";
import { REASON_CODES } from "../mqtt/arbitraries.js";
import { makeClient, until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

describe("connect", () => {
  it("connects: CONNECT carries client id, clean session, keepalive; onConnect reports the CONNACK", async () => {
    const { client, seen } = fake.clients.make({ clientId: "dev-1", keepAlive: 30 });
    client.connect();
    const c = await fake.broker.nextConnection();
    const { packet, raw } = await c.accept();
    expect(packet).toMatchObject({ cmd: "connect", clientId: "dev-1", clean: true, keepalive: 30, protocolVersion: 4 });
    expect(raw[0]).toBe(0x10);
    await until(() => seen.connects.length === 1, "onConnect");
    expect(seen.connects[0]).toMatchObject({ sessionPresent: false, reasonCode: 0, clientId: "dev-1", keepAlive: 30 });
    expect(client.connected).toBe(true);
  });

  it("sends username and password, and the will with topic, payload, QoS and retain", async () => {
    const { client } = fake.clients.make({
      username: "alice",
      password: "s3cret",
      will: { topic: "devices/d/status", payload: new TextEncoder().encode("offline"), qos: 1, retain: true },
    });
    client.connect();
    const c = await fake.broker.nextConnection();
    const { packet } = await c.accept();
    expect(packet.username).toBe("alice");
    expect(Buffer.from(packet.password as Buffer).toString()).toBe("s3cret");
    expect(packet.will).toMatchObject({ topic: "devices/d/status", qos: 1, retain: true });
    expect(Buffer.from((packet.will as { payload: Buffer }).payload).toString()).toBe("offline");
  });

  it("sends no will flag when no will is set", async () => {
    const { client } = fake.clients.make({});
    client.connect();
    const c = await fake.broker.nextConnection();
    const { raw } = await c.accept();
    // Connect Flags byte after the 10-byte variable header prefix: will flag is bit 2 (3.1.2.5).
    const flags = raw[2 + 7];
    expect(flags & 0x04).toBe(0);
  });

  it("MQTT 5: CONNECT carries the session expiry interval, receive maximum and will properties", async () => {
    const { client } = fake.clients.make({
      protocolVersion: 5,
      sessionExpiryInterval: 3600,
      receiveMaximum: 10,
      will: { topic: "w", payload: new Uint8Array([1]), qos: 0, retain: false, properties: { willDelayInterval: 5 } },
    });
    client.connect();
    const c = await fake.broker.nextConnection();
    const { packet } = await c.accept();
    expect(packet.protocolVersion).toBe(5);
    expect(packet.properties).toMatchObject({ sessionExpiryInterval: 3600, receiveMaximum: 10 });
    expect((packet.will as { properties: unknown }).properties).toMatchObject({ willDelayInterval: 5 });
  });

  it("refuses a zero-length client id without clean session (MQTT-3.1.3-7)", () => {
    expect(() => makeClient({ clientId: "", cleanStart: false, port: fake.broker.port })).toThrow(/clean session/);
  });

  it("sends a zero-length client id with clean session (MQTT-3.1.3-6)", async () => {
    const { client, seen } = fake.clients.start({ clientId: "", cleanStart: true });
    const c = await fake.broker.nextConnection();
    const { packet } = await c.accept();
    expect(packet).toMatchObject({ cmd: "connect", clientId: "", clean: true });
    await until(() => seen.connects.length === 1, "onConnect");
    expect(client.connected).toBe(true);
  });

  it("surfaces a 3.1.1 CONNACK refusal as ConnackError with the return code, then retries", async () => {
    const { client, seen } = fake.clients.make({});
    client.connect();
    for (const code of [1, 2, 3, 4, 5]) {
      const c = await fake.broker.nextConnection();
      await c.next("connect");
      c.send({ cmd: "connack", sessionPresent: false, returnCode: code });
      await until(() => seen.errors.length === code, `refusal ${code}`);
      const error = seen.errors[code - 1] as ConnackError;
      expect(error).toBeInstanceOf(ConnackError);
      expect(error.code).toBe("connack-refused");
      expect(error.returnCode).toBe(code);
    }
    expect(seen.connects).toHaveLength(0);
  });

  it("MQTT 5: every CONNACK refusal reason code (3.2.2.2) is surfaced as ConnackError, then retried", async () => {
    const refusals = REASON_CODES.connack5.filter((code) => code >= 0x80);
    const { client, seen } = fake.clients.make({ protocolVersion: 5 });
    client.connect();
    for (const [i, code] of refusals.entries()) {
      const c = await fake.broker.nextConnection();
      await c.next("connect");
      c.send({ cmd: "connack", sessionPresent: false, reasonCode: code });
      await until(() => seen.errors.length === i + 1, `refusal 0x${code.toString(16)}`);
      expect(seen.errors[i]).toBeInstanceOf(ConnackError);
      expect(seen.errors[i]).toMatchObject({ code: "connack-refused", reasonCode: code });
    }
    expect(seen.connects).toHaveLength(0);
  });

  it("MQTT 5: a CONNACK refusal carries the reason code and reason string", async () => {
    const { client, seen } = fake.clients.make({ protocolVersion: 5 });
    client.connect();
    const c = await fake.broker.nextConnection();
    await c.next("connect");
    c.send({ cmd: "connack", sessionPresent: false, reasonCode: 0x87, properties: { reasonString: "not authorized" } });
    await until(() => seen.errors.length === 1, "refusal");
    const error = seen.errors[0] as ConnackError;
    expect(error).toBeInstanceOf(ConnackError);
    expect(error.reasonCode).toBe(0x87);
    expect(error.reasonString).toBe("not authorized");
  });

  it("times out when no CONNACK arrives (connect-timeout) and tries again", async () => {
    const clock = new ManualClock();
    const { client, seen } = fake.clients.make({ clock, connectTimeout: 5000 });
    client.connect();
    const c1 = await fake.broker.nextConnection();
    await c1.next("connect");
    clock.advance(5000);
    expect(seen.errors[0]).toBeInstanceOf(TimeoutError);
    expect((seen.errors[0] as TimeoutError).code).toBe("connect-timeout");
    await c1.waitClosed();
    clock.advance((clock.nextAt() ?? 0) - clock.ticks()); // the backoff delay, nothing more
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => seen.connects.length === 1, "second attempt connects");
  });

  it("never sends a second CONNECT on one connection", async () => {
    const { client, seen } = fake.clients.make({});
    client.connect();
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => seen.connects.length === 1, "connect");
    client.publish("t", "x", { qos: 1 });
    await c.next("publish");
    client.connect(); // a second call while connected does nothing
    c.send({ cmd: "pingresp" });
    client.publish("t", "y", { qos: 0 });
    await c.next("publish");
    expect(c.received.filter((r) => r.packet.cmd === "connect")).toHaveLength(1);
  });

  it("close() sends DISCONNECT, releases the socket and fails pending publishes with client-closed", async () => {
    const clock = new ManualClock();
    const { client, seen } = fake.clients.make({ clock });
    client.connect();
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => seen.connects.length === 1, "connect");
    let failure: Error | undefined;
    client.publish("t", "x", { qos: 1 }, (e) => (failure = e));
    await c.next("publish");
    client.close();
    await c.next("disconnect");
    await c.waitClosed();
    expect((failure as { code?: string }).code).toBe("client-closed");
    expect(seen.closed).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("CONNECT is byte-exact for a minimal 3.1.1 session (3.1.2)", async () => {
    const { client } = fake.clients.make({ clientId: "ab", keepAlive: 60 });
    client.connect();
    const c = await fake.broker.nextConnection();
    const { raw } = await c.next("connect");
    // type 1, remaining length 14, "MQTT", level 4, flags: clean session, keepalive 60, client id "ab".
    expect([...raw]).toEqual([0x10, 14, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, 2, 0x61, 0x62]);
  });

  it("MQTT 5: close() sends DISCONNECT with reason 0x00 (normal disconnection)", async () => {
    const { client, seen } = fake.clients.make({ protocolVersion: 5 });
    client.connect();
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => seen.connects.length === 1, "connect");
    client.close();
    const d = await c.next("disconnect");
    expect(d.raw[0]).toBe(0xe0);
    expect(d.packet.reasonCode ?? 0).toBe(0);
  });
});
