// Client -> broker publishing, checked byte by byte against a scripted broker.
import { describe, expect, it } from "vitest";
import { ClientError, QueueFullError } from "../../firmware/mqtt/client/client-errors.js";
import { publishAsync, until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

describe("publish client -> broker", () => {
  it("QoS 0: one PUBLISH without packet id, completes once written", async () => {
    const { h, c } = await fake.connected();
    const done = publishAsync(h.client, "a/b", "hello", { qos: 0 });
    const { packet, raw } = await c.next("publish");
    expect(raw[0]).toBe(0x30);
    expect(packet).toMatchObject({ topic: "a/b", qos: 0, dup: false, retain: false });
    expect(packet.messageId).toBeUndefined();
    expect(await done).toBeUndefined();
  });

  it("QoS 1: completes on PUBACK, not before", async () => {
    const { h, c } = await fake.connected();
    let completed = false;
    const done = publishAsync(h.client, "a/b", "m", { qos: 1 }).then((e) => ((completed = true), e));
    const { packet, raw } = await c.next("publish");
    expect(raw[0]).toBe(0x32);
    await new Promise((r) => setTimeout(r, 30));
    expect(completed).toBe(false);
    c.send({ cmd: "puback", messageId: packet.messageId });
    expect(await done).toBeUndefined();
    expect(h.client.inflight).toBe(0);
  });

  it("QoS 2: PUBLISH, PUBREC -> PUBREL, PUBCOMP completes", async () => {
    const { h, c } = await fake.connected();
    const done = publishAsync(h.client, "a/b", "m", { qos: 2, retain: true });
    const { packet, raw } = await c.next("publish");
    expect(raw[0]).toBe(0x35); // QoS 2 + retain
    c.send({ cmd: "pubrec", messageId: packet.messageId });
    const rel = await c.next("pubrel");
    expect(rel.raw).toEqual(Buffer.from([0x62, 0x02, 0, packet.messageId as number]));
    c.send({ cmd: "pubcomp", messageId: packet.messageId });
    expect(await done).toBeUndefined();
  });

  it("QoS 1 and 2 with every Remaining Length form (1, 2, 3 and 4 bytes)", async () => {
    const { h, c } = await fake.connected({ queue: { maxBytes: 8 * 1024 * 1024 } });
    for (const [size, lengthBytes] of [
      [10, 1],
      [200, 2],
      [20_000, 3],
      [2_100_000, 4],
    ] as const) {
      for (const qos of [1, 2] as const) {
        const payload = new Uint8Array(size).fill(size & 0xff);
        const done = publishAsync(h.client, "big", payload, { qos });
        const { packet, raw } = await c.next("publish");
        // The last Remaining Length byte is the one without the continuation bit (2.2.3).
        let n = 1;
        while (raw[n] & 0x80) n++;
        expect(n).toBe(lengthBytes);
        expect((packet.payload as Buffer).length).toBe(size);
        if (qos === 1) c.send({ cmd: "puback", messageId: packet.messageId });
        else {
          c.send({ cmd: "pubrec", messageId: packet.messageId });
          await c.next("pubrel");
          c.send({ cmd: "pubcomp", messageId: packet.messageId });
        }
        expect(await done).toBeUndefined();
      }
    }
  }, 60_000);

  it("never has more unacknowledged QoS 1 publishes than the in-flight window", async () => {
    const { h, c } = await fake.connected({ inflight: 3 });
    const dones = Array.from({ length: 10 }, (_, i) => publishAsync(h.client, "w", `${i}`, { qos: 1 }));
    for (let i = 0; i < 3; i++) await c.next("publish");
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.filter((r) => r.packet.cmd === "publish")).toHaveLength(3);
    expect(h.client.inflight).toBe(3);
    // Each PUBACK lets exactly one more out.
    for (let i = 0; i < 10; i++) {
      const p = c.received.filter((r) => r.packet.cmd === "publish")[i].packet;
      c.send({ cmd: "puback", messageId: p.messageId });
      if (i + 3 < 10) await c.next("publish");
    }
    await Promise.all(dones);
    const ids = c.received.filter((r) => r.packet.cmd === "publish").map((r) => Buffer.from(r.packet.payload as Buffer).toString());
    expect(ids).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("MQTT 5: never more unacknowledged than the server's Receive Maximum", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5, inflight: 50 }, { receiveMaximum: 2 });
    for (let i = 0; i < 5; i++) h.client.publish("w", `${i}`, { qos: 2 });
    await c.next("publish");
    await c.next("publish");
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.filter((r) => r.packet.cmd === "publish")).toHaveLength(2);
    // QoS 2 counts until PUBCOMP (5.0 section 4.9): PUBREC alone frees nothing.
    const first = c.received.filter((r) => r.packet.cmd === "publish")[0].packet;
    c.send({ cmd: "pubrec", messageId: first.messageId });
    await c.next("pubrel");
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.filter((r) => r.packet.cmd === "publish")).toHaveLength(2);
    c.send({ cmd: "pubcomp", messageId: first.messageId });
    await c.next("publish");
  });

  it("answers 'queue full' at the message limit instead of growing (QueueFullError, or false from tryPublish), and accepts again once drained", async () => {
    const { h, c } = await fake.connected({ queue: { maxMessages: 5 }, inflight: 2 });
    for (let i = 0; i < 5; i++) expect(h.client.tryPublish("q", `${i}`, { qos: 1 })).toBe(true);
    let called = false;
    expect(h.client.tryPublish("q", "overflow", { qos: 1 }, () => (called = true))).toBe(false);
    let error: unknown;
    try {
      h.client.publish("q", "overflow", { qos: 1 }, () => (called = true));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as ClientError).code).toBe("queue-full");
    const p = await c.next("publish");
    c.send({ cmd: "puback", messageId: p.packet.messageId });
    await until(() => h.client.inflight + h.client.queued === 4, "one completed");
    expect(() => h.client.publish("q", "fits again", { qos: 1 })).not.toThrow();
    expect(called).toBe(false); // a refused message is not the client's: no completion
  });

  it("answers 'queue full' at the byte limit", async () => {
    const h = fake.clients.make({ queue: { maxBytes: 1000 } });
    expect(h.client.tryPublish("q", new Uint8Array(600), { qos: 1 })).toBe(true);
    expect(() => h.client.publish("q", new Uint8Array(600), { qos: 1 })).toThrow(expect.objectContaining({ code: "queue-full" }));
    expect(h.client.tryPublish("q", new Uint8Array(100), { qos: 1 })).toBe(true);
  });

  it("queues publishes while offline and sends them after CONNACK", async () => {
    const h = fake.clients.make();
    const done = publishAsync(h.client, "offline", "x", { qos: 1 });
    h.client.connect();
    const c = await fake.broker.nextConnection();
    await c.accept();
    const p = await c.next("publish");
    c.send({ cmd: "puback", messageId: p.packet.messageId });
    expect(await done).toBeUndefined();
  });

  it("MQTT 5: a PUBACK with reason >= 0x80 fails that publish with the reason code and string", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 });
    const done = publishAsync(h.client, "r", "x", { qos: 1 });
    const p = await c.next("publish");
    c.send({ cmd: "puback", messageId: p.packet.messageId, reasonCode: 0x87, properties: { reasonString: "denied" } });
    const error = (await done) as ClientError;
    expect(error.code).toBe("publish-refused");
    expect(error.reasonCode).toBe(0x87);
    expect(error.reasonString).toBe("denied");
  });

  it("MQTT 5: a PUBREC with reason >= 0x80 ends that QoS 2 flow (no PUBREL) with an error", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 });
    const done = publishAsync(h.client, "r", "x", { qos: 2 });
    const p = await c.next("publish");
    c.send({ cmd: "pubrec", messageId: p.packet.messageId, reasonCode: 0x97 });
    const error = (await done) as ClientError;
    expect(error.reasonCode).toBe(0x97);
    const next = publishAsync(h.client, "r", "y", { qos: 0 });
    await next;
    expect((await c.next()).packet.cmd).toBe("publish"); // the QoS 0 one; no PUBREL in between
    expect(h.client.inflight).toBe(0);
  });

  it("MQTT 5: the server's Maximum QoS downgrades publishes", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 }, { maximumQoS: 1 });
    const done = publishAsync(h.client, "d", "x", { qos: 2 });
    const p = await c.next("publish");
    expect(p.packet.qos).toBe(1);
    c.send({ cmd: "puback", messageId: p.packet.messageId });
    expect(await done).toBeUndefined();
  });

  it("MQTT 5: a publish larger than the server's Maximum Packet Size is refused locally and the next one still goes out", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 }, { maximumPacketSize: 100 });
    const big = publishAsync(h.client, "s", new Uint8Array(200), { qos: 1 });
    const small = publishAsync(h.client, "s", new Uint8Array(10), { qos: 1 });
    expect(((await big) as ClientError).code).toBe("packet-too-large");
    const p = await c.next("publish");
    expect((p.packet.payload as Buffer).length).toBe(10);
    c.send({ cmd: "puback", messageId: p.packet.messageId });
    expect(await small).toBeUndefined();
  });

  it("MQTT 5: retain is refused locally when the server has Retain Available = 0", async () => {
    const { h } = await fake.connected({ protocolVersion: 5 }, { retainAvailable: false });
    const error = (await publishAsync(h.client, "s", "x", { qos: 1, retain: true })) as ClientError;
    expect(error.code).toBe("retain-not-supported");
  });

  it("MQTT 5: topic aliases within the server's Topic Alias Maximum (topic once, then empty topic + alias)", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 }, { topicAliasMaximum: 1 });
    h.client.publish("devices/one/hr", "1", { qos: 0 });
    h.client.publish("devices/one/hr", "2", { qos: 0 });
    h.client.publish("devices/one/temp", "3", { qos: 0 });
    const a = await c.next("publish");
    const b = await c.next("publish");
    const d = await c.next("publish");
    expect(a.packet).toMatchObject({ topic: "devices/one/hr", properties: { topicAlias: 1 } });
    expect(b.packet.topic).toBe("");
    expect(b.packet.properties).toMatchObject({ topicAlias: 1 });
    // Beyond the maximum: full topic, no alias.
    expect(d.packet.topic).toBe("devices/one/temp");
    expect((d.packet.properties as { topicAlias?: number } | undefined)?.topicAlias).toBeUndefined();
  });

  it("rejects an invalid topic name synchronously (wildcards, empty)", async () => {
    const h = fake.clients.make();
    expect(() => h.client.publish("a/+", "x")).toThrow(expect.objectContaining({ code: "protocol-error" }));
    expect(() => h.client.publish("", "x")).toThrow();
  });
});
