// Broker -> client publishing and subscriptions, against a scripted broker.
import { describe, expect, it } from "vitest";
import { text, until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

const publish = (topic: string, payload: string, qos: number, messageId?: number, extra: Record<string, unknown> = {}) => ({
  cmd: "publish",
  topic,
  payload: Buffer.from(payload),
  qos,
  retain: false,
  dup: false,
  messageId,
  ...extra,
});

describe("callbacks", () => {
  it("are called with the client's options as `this`, so a shared function finds its owner as this.target", async () => {
    const owner = { connects: 0, messages: [] as string[], closed: 0 };
    function ownerOf(self: { target?: unknown }): typeof owner {
      return self.target as typeof owner;
    }
    const h = fake.clients.start({
      target: owner,
      onConnect() {
        ownerOf(this).connects++;
      },
      onMessage(topic) {
        ownerOf(this).messages.push(topic);
      },
      onClose() {
        ownerOf(this).closed++;
      },
    });
    const c = await fake.broker.nextConnection();
    await c.accept();
    await until(() => owner.connects === 1, "connect");
    c.send(publish("x/y", "zero", 0));
    await until(() => owner.messages.length === 1, "message");
    expect(owner.messages).toEqual(["x/y"]);
    h.client.close();
    await until(() => owner.closed === 1, "close");
  });
});

describe("publish broker -> client", () => {
  it("QoS 0 is delivered with its topic and payload", async () => {
    const { h, c } = await fake.connected();
    c.send(publish("x/y", "zero", 0));
    await until(() => h.seen.messages.length === 1, "message");
    expect(h.seen.messages[0].topic).toBe("x/y");
    expect(text(h.seen.messages[0].payload)).toBe("zero");
  });

  it("QoS 1 is delivered and acknowledged with PUBACK carrying its id", async () => {
    const { h, c } = await fake.connected();
    c.send(publish("x", "one", 1, 0x1234));
    const ack = await c.next("puback");
    expect(ack.raw).toEqual(Buffer.from([0x40, 0x02, 0x12, 0x34]));
    expect(h.seen.messages).toHaveLength(1);
  });

  it("QoS 2 is delivered once even when the broker resends the PUBLISH with DUP=1 or DUP=0", async () => {
    const { h, c } = await fake.connected();
    c.send(publish("x", "two", 2, 7));
    expect((await c.next("pubrec")).raw).toEqual(Buffer.from([0x50, 0x02, 0, 7]));
    c.send(publish("x", "two", 2, 7, { dup: true }));
    await c.next("pubrec");
    c.send(publish("x", "two", 2, 7)); // AWS IoT style: DUP=0 on the resend
    await c.next("pubrec");
    c.send({ cmd: "pubrel", messageId: 7 });
    expect((await c.next("pubcomp")).raw).toEqual(Buffer.from([0x70, 0x02, 0, 7]));
    expect(h.seen.messages).toHaveLength(1);
    // After PUBCOMP the id is free again: a new message with it is a new delivery.
    c.send(publish("x", "again", 2, 7));
    await c.next("pubrec");
    await until(() => h.seen.messages.length === 2, "second delivery");
  });

  it("QoS 2 state survives a reconnect with session present: no second delivery", async () => {
    const h = fake.clients.start({ cleanStart: false, clientId: "keep" });
    const c1 = await fake.broker.nextConnection();
    await c1.accept();
    c1.send(publish("x", "once", 2, 9));
    await c1.next("pubrec");
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    await c2.accept(true);
    c2.send(publish("x", "once", 2, 9, { dup: true }));
    await c2.next("pubrec");
    c2.send({ cmd: "pubrel", messageId: 9 });
    await c2.next("pubcomp");
    expect(h.seen.messages).toHaveLength(1);
  });

  it("answers an unexpected PUBREL with PUBCOMP", async () => {
    const { c } = await fake.connected();
    c.send({ cmd: "pubrel", messageId: 77 });
    const comp = await c.next("pubcomp");
    expect(comp.packet.messageId).toBe(77);
  });

  it("MQTT 5: answers an unexpected PUBREL with PUBCOMP 0x92 (Packet Identifier not found)", async () => {
    const { c } = await fake.connected({ protocolVersion: 5 });
    c.send({ cmd: "pubrel", messageId: 78 });
    const comp = await c.next("pubcomp");
    expect(comp.packet).toMatchObject({ messageId: 78, reasonCode: 0x92 });
  });

  it("ignores an unexpected PUBACK or PUBCOMP without dropping the connection", async () => {
    const { h, c } = await fake.connected();
    c.send({ cmd: "puback", messageId: 500 });
    c.send({ cmd: "pubcomp", messageId: 501 });
    c.send(publish("still", "alive", 1, 3));
    await c.next("puback");
    expect(h.seen.disconnects).toHaveLength(0);
    expect(h.seen.errors).toHaveLength(0);
    expect(c.closed).toBe(false);
  });

  it("surfaces the retained flag", async () => {
    const { h, c } = await fake.connected();
    c.send(publish("r", "kept", 0, undefined, { retain: true }));
    await until(() => h.seen.messages.length === 1, "message");
    expect(h.seen.messages[0].packet.retain).toBe(true);
  });

  it("MQTT 5: resolves incoming topic aliases within our Topic Alias Maximum", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5, topicAliasMaximum: 4 });
    c.send(publish("long/topic/name", "1", 0, undefined, { properties: { topicAlias: 2 } }));
    c.send(publish("", "2", 0, undefined, { properties: { topicAlias: 2 } }));
    await until(() => h.seen.messages.length === 2, "messages");
    expect(h.seen.messages.map((m) => m.topic)).toEqual(["long/topic/name", "long/topic/name"]);
  });

  it("MQTT 5: an alias above our maximum closes with DISCONNECT 0x94 (Topic Alias Invalid) and reconnects", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5, topicAliasMaximum: 1 });
    c.send(publish("t", "1", 0, undefined, { properties: { topicAlias: 5 } }));
    const d = await c.next("disconnect");
    expect(d.packet.reasonCode).toBe(0x94);
    await c.waitClosed();
    await until(() => h.seen.disconnects.length === 1, "disconnect reported");
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => h.seen.connects.length === 2, "reconnected");
  });
  it("MQTT 5: a QoS 2 PUBLISH beyond our Receive Maximum closes with DISCONNECT 0x93; a resend of a held one does not", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5, receiveMaximum: 2 });
    c.send(publish("x", "1", 2, 1));
    await c.next("pubrec");
    c.send(publish("x", "2", 2, 2));
    await c.next("pubrec");
    c.send(publish("x", "2", 2, 2, { dup: true })); // already held: acknowledged again, not counted
    await c.next("pubrec");
    expect(h.seen.messages).toHaveLength(2);
    c.send(publish("x", "3", 2, 3)); // a third unreleased QoS 2 PUBLISH (section 3.3.4)
    const d = await c.next("disconnect");
    expect(d.packet.reasonCode).toBe(0x93);
    await c.waitClosed();
    expect(h.seen.messages).toHaveLength(2);
  });
});

describe("subscribe / unsubscribe", () => {
  it("surfaces the granted QoS and a failure (0x80) per topic filter", async () => {
    const { h, c } = await fake.connected();
    let codes: number[] = [];
    h.client.subscribe(
      [
        { topicFilter: "a/+", qos: 2 },
        { topicFilter: "b/#", qos: 1 },
        { topicFilter: "denied", qos: 0 },
      ],
      undefined,
      (_e, granted) => (codes = granted),
    );
    const sub = await c.next("subscribe");
    expect(sub.raw[0]).toBe(0x82); // SUBSCRIBE fixed header flags 0010 (3.8.1)
    expect(sub.packet.subscriptions).toEqual([
      expect.objectContaining({ topic: "a/+", qos: 2 }),
      expect.objectContaining({ topic: "b/#", qos: 1 }),
      expect.objectContaining({ topic: "denied", qos: 0 }),
    ]);
    c.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [1, 1, 0x80] });
    await until(() => codes.length === 3, "suback");
    expect(codes).toEqual([1, 1, 0x80]);
  });

  it("unsubscribes with UNSUBSCRIBE and reports completion", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 });
    let codes: number[] | undefined;
    h.client.unsubscribe(["a/+", "b"], undefined, (_e, rc) => (codes = rc));
    const unsub = await c.next("unsubscribe");
    expect(unsub.raw[0]).toBe(0xa2);
    expect(unsub.packet.unsubscriptions).toEqual(["a/+", "b"]);
    c.send({ cmd: "unsuback", messageId: unsub.packet.messageId, granted: [0, 0x11] });
    await until(() => codes !== undefined, "unsuback");
    expect(codes).toEqual([0, 0x11]);
  });

  it("validates wildcards in topic filters before sending", async () => {
    const { h } = await fake.connected();
    expect(() => h.client.subscribe("a/#/b")).toThrow(expect.objectContaining({ section: "4.7.1.2" }));
    expect(() => h.client.subscribe("a+/b")).toThrow(expect.objectContaining({ section: "4.7.1.3" }));
    expect(() => h.client.subscribe("$SYS/#")).not.toThrow();
  });

  it("a SUBACK whose code count does not match is a protocol error: closed and reconnected", async () => {
    const { h, c } = await fake.connected();
    h.client.subscribe("a");
    const sub = await c.next("subscribe");
    c.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [0, 0] });
    await c.waitClosed();
    await until(() => h.seen.disconnects.length === 1, "disconnect");
    expect(h.seen.disconnects[0]).toMatchObject({ code: "protocol-error", section: "3.9.3" });
  });
});
