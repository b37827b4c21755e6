// MQTT 5 publish options and DISCONNECT options, checked against a scripted broker: a bad option fails that
// one operation with a typed error, never the connection (MQTT 5.0 sections 3.3.2.3, 3.14.2).
import { describe, expect, it } from "vitest";
import { ClientError } from "../../firmware/mqtt/client/client-errors.js";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import { publishAsync, useFakeBroker } from "./harness.js";

const fake = useFakeBroker({ protocolVersion: 5 });

/** The connection stays: a good publish after the bad one goes out on it, and no reconnect happened. */
async function stillConnected(h: Awaited<ReturnType<typeof fake.connected>>["h"], c: Awaited<ReturnType<typeof fake.connected>>["c"]): Promise<void> {
  const done = publishAsync(h.client, "a/ok", "fine", { qos: 0 });
  const { packet } = await c.next("publish");
  expect(packet.topic).toBe("a/ok");
  expect(await done).toBeUndefined();
  expect(c.closed).toBe(false);
  expect(h.seen.connects).toHaveLength(1);
  expect(h.seen.disconnects).toHaveLength(0);
}

describe("publish options (MQTT 5)", () => {
  it("a property a PUBLISH may not carry (Session Expiry Interval) is refused by publish(), the message not taken", async () => {
    const { h, c } = await fake.connected();
    let called = false;
    expect(() => h.client.publish("a/b", "x", { qos: 1, properties: { sessionExpiryInterval: 10 } }, () => (called = true))).toThrow(ProtocolError);
    expect(h.client.queued + h.client.inflight).toBe(0);
    await stillConnected(h, c);
    expect(called).toBe(false);
  });

  it("Topic Alias 0 is refused (3.3.2.3.4: 0 is not a valid alias)", async () => {
    const { h, c } = await fake.connected({}, { topicAliasMaximum: 5 });
    expect(() => h.client.publish("a/b", "x", { qos: 0, properties: { topicAlias: 0 } })).toThrow(ProtocolError);
    await stillConnected(h, c);
  });

  it("a Subscription Identifier is refused: only a server sends one [MQTT-3.3.4-6]", async () => {
    const { h, c } = await fake.connected();
    const error = (() => {
      try {
        h.client.publish("a/b", "x", { qos: 1, properties: { subscriptionIdentifiers: [3] } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe("invalid-argument");
    await stillConnected(h, c);
  });

  it("a Topic Alias above the server's Topic Alias Maximum fails that message through done, and nothing goes on the wire [MQTT-3.3.2-9]", async () => {
    const { h, c } = await fake.connected({}, { topicAliasMaximum: 2 });
    const refused = await publishAsync(h.client, "a/b", "x", { qos: 1, properties: { topicAlias: 3 } });
    expect(refused).toBeInstanceOf(ClientError);
    expect((refused as ClientError).code).toBe("invalid-argument");
    expect(h.client.inflight).toBe(0);
    // An alias within the maximum goes out as given.
    const done = publishAsync(h.client, "a/c", "y", { qos: 0, properties: { topicAlias: 2 } });
    const { packet } = await c.next("publish");
    expect(packet.topic).toBe("a/c");
    expect((packet.properties as { topicAlias?: number }).topicAlias).toBe(2);
    await done;
    await stillConnected(h, c);
  });

  it("a SUBSCRIBE that cannot be encoded fails its subscribe() call and is never sent, now or after a reconnect", async () => {
    const { h, c } = await fake.connected();
    expect(() => h.client.subscribe({ topicFilter: "a/#", qos: 1 }, { properties: { topicAlias: 1 } })).toThrow(ProtocolError);
    await stillConnected(h, c);
    expect(c.received.filter((r) => r.packet.cmd === "subscribe")).toHaveLength(0);
  });
});

describe("close() with a DISCONNECT reason and properties (MQTT 5, 3.14.2)", () => {
  it("sends the Session Expiry Interval and the reason string, so a device ends its session on purpose", async () => {
    const { h, c } = await fake.connected({ sessionExpiryInterval: 3600, cleanStart: false });
    h.client.close({ sessionExpiryInterval: 0, reasonString: "going to sleep" });
    const { packet } = await c.next("disconnect");
    expect(packet.reasonCode).toBe(0);
    expect(packet.properties).toEqual({ sessionExpiryInterval: 0, reasonString: "going to sleep" });
  });

  it("0x04 Disconnect with Will Message asks the server to publish the will", async () => {
    const { h, c } = await fake.connected();
    h.client.close({ reasonCode: 0x04 });
    const { packet } = await c.next("disconnect");
    expect(packet.reasonCode).toBe(0x04);
  });

  it("refuses a non-zero Session Expiry Interval when CONNECT set none [MQTT-3.14.2-2], and stays open", async () => {
    const { h, c } = await fake.connected();
    expect(() => h.client.close({ sessionExpiryInterval: 60 })).toThrow(ClientError);
    await stillConnected(h, c);
    h.client.close();
    const { packet } = await c.next("disconnect");
    expect(packet.reasonCode).toBe(0);
  });

  it("refuses a reason code DISCONNECT may not carry (0x05 belongs to CONNACK), and stays open", async () => {
    const { h, c } = await fake.connected();
    expect(() => h.client.close({ reasonCode: 0x05 })).toThrow(ClientError);
    await stillConnected(h, c);
  });
});
