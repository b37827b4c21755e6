// Sessions across reconnects: what is resent (MQTT 4.4), in which order, and what is not.
import { describe, expect, it } from "vitest";
import type { ClientError } from "../../firmware/mqtt/client/client-errors.js";
import type { FakeConnection } from "../support/fake-broker.js";
import { publishAsync, settle, until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker({ cleanStart: false, clientId: "persistent" });

async function publishes(c: FakeConnection, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await c.next("publish"));
  return out;
}

describe("session resume", () => {
  it("resends unacknowledged PUBLISHes with DUP=1 and the same ids, and PUBREL for QoS 2 past PUBREC, in original order, and nothing else", async () => {
    const { h, c: c1 } = await fake.connected();
    const done = [
      publishAsync(h.client, "s/1", "a", { qos: 1 }),
      publishAsync(h.client, "s/2", "b", { qos: 2 }),
      publishAsync(h.client, "s/3", "c", { qos: 2 }),
      publishAsync(h.client, "s/4", "d", { qos: 1 }),
      publishAsync(h.client, "s/5", "e", { qos: 1 }),
    ];
    const sent = await publishes(c1, 5);
    const id = (i: number) => sent[i].packet.messageId as number;
    // Acknowledge #4 (QoS 1 done), PUBREC #2 (moves to PUBREL state); #1, #3, #5 stay unacknowledged.
    c1.send({ cmd: "puback", messageId: id(3) });
    c1.send({ cmd: "pubrec", messageId: id(1) });
    await c1.next("pubrel");
    await done[3];
    c1.destroy();
    await until(() => h.seen.disconnects.length === 1, "disconnect seen");

    const c2 = await fake.broker.nextConnection();
    const connect = await c2.next("connect");
    expect(connect.packet.clean).toBe(false);
    c2.connack(true);
    const resent = [await c2.next(), await c2.next(), await c2.next(), await c2.next()];
    // In original send order: #1 PUBLISH dup, #2 PUBREL, #3 PUBLISH dup, #5 PUBLISH dup.
    expect(resent.map((r) => r.packet.cmd)).toEqual(["publish", "pubrel", "publish", "publish"]);
    expect(resent.map((r) => r.packet.messageId)).toEqual([id(0), id(1), id(2), id(4)]);
    for (const r of [resent[0], resent[2], resent[3]]) {
      expect(r.raw[0] & 0x08).toBe(0x08); // DUP flag (3.3.1.1)
      expect(r.packet.dup).toBe(true);
    }
    expect(resent[0].raw[0]).toBe(0x3a); // PUBLISH, DUP, QoS 1
    expect(resent[2].raw[0]).toBe(0x3c); // PUBLISH, DUP, QoS 2
    expect(resent[1].raw).toEqual(Buffer.from([0x62, 0x02, id(1) >> 8, id(1) & 0xff]));
    expect(resent.map((r) => Buffer.from((r.packet.payload as Buffer) ?? []).toString())).toEqual(["a", "", "c", "e"]);
    // Nothing else: no further packet (no resend of #4, no SUBSCRIBE).
    await new Promise((r) => setTimeout(r, 100));
    expect(c2.received.length).toBe(5);
    // Finish the flows: every completion exactly once.
    c2.send({ cmd: "puback", messageId: id(0) });
    c2.send({ cmd: "pubcomp", messageId: id(1) });
    c2.send({ cmd: "pubrec", messageId: id(2) });
    await c2.next("pubrel");
    c2.send({ cmd: "pubcomp", messageId: id(2) });
    c2.send({ cmd: "puback", messageId: id(4) });
    expect(await Promise.all(done)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("on a lost session (session present = 0) sends pending publishes as new (DUP=0) and re-subscribes", async () => {
    const { h, c: c1 } = await fake.connected();
    let granted: number[] = [];
    h.client.subscribe([{ topicFilter: "cmd/#", qos: 1 }], undefined, (_e, codes) => (granted = codes));
    const sub = await c1.next("subscribe");
    c1.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [1] });
    await until(() => granted.length === 1, "suback");
    const done = publishAsync(h.client, "p", "x", { qos: 1 });
    await c1.next("publish");
    c1.destroy();

    const c2 = await fake.broker.nextConnection();
    await c2.accept(false);
    const first = await c2.next();
    const second = await c2.next();
    const publish = [first, second].find((r) => r.packet.cmd === "publish")!;
    const resub = [first, second].find((r) => r.packet.cmd === "subscribe")!;
    expect(publish.packet.dup).toBe(false);
    expect(publish.raw[0]).toBe(0x32);
    expect(resub.packet.subscriptions).toEqual([expect.objectContaining({ topic: "cmd/#", qos: 1 })]);
    c2.send({ cmd: "puback", messageId: publish.packet.messageId });
    expect(await done).toBeUndefined();
  });

  it("on a lost session re-subscribes only the filters still subscribed (an unsubscribed one is forgotten)", async () => {
    const { h, c: c1 } = await fake.connected();
    let granted: number[] = [];
    h.client.subscribe([{ topicFilter: "cmd/#", qos: 1 }, { topicFilter: "cfg", qos: 0 }], undefined, (_e, codes) => (granted = codes));
    const sub = await c1.next("subscribe");
    c1.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [1, 0] });
    await until(() => granted.length === 2, "suback");
    let unsubscribed = false;
    h.client.unsubscribe("cmd/#", undefined, () => (unsubscribed = true));
    const unsub = await c1.next("unsubscribe");
    c1.send({ cmd: "unsuback", messageId: unsub.packet.messageId });
    await until(() => unsubscribed, "unsuback");
    c1.destroy();

    const c2 = await fake.broker.nextConnection();
    await c2.accept(false);
    const resub = await c2.next("subscribe");
    expect(resub.packet.subscriptions).toEqual([expect.objectContaining({ topic: "cfg", qos: 0 })]);
  });

  it("on a lost session a QoS 2 message already PUBREC'd counts as delivered and is not sent again", async () => {
    const { h, c: c1 } = await fake.connected();
    const done = publishAsync(h.client, "p", "x", { qos: 2 });
    const p = await c1.next("publish");
    c1.send({ cmd: "pubrec", messageId: p.packet.messageId });
    await c1.next("pubrel");
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    await c2.accept(false);
    expect(await done).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(c2.received.map((r) => r.packet.cmd)).toEqual(["connect"]);
  });

  it("resends nothing on reconnect when everything was acknowledged", async () => {
    const { h, c: c1 } = await fake.connected();
    const done = publishAsync(h.client, "p", "x", { qos: 1 });
    const p = await c1.next("publish");
    c1.send({ cmd: "puback", messageId: p.packet.messageId });
    await done;
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    await c2.accept(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(c2.received.map((r) => r.packet.cmd)).toEqual(["connect"]);
  });

  it("treats Session Present with Clean Start as a protocol error ([MQTT-3.2.2-1])", async () => {
    const h = fake.clients.start({ cleanStart: true });
    const c = await fake.broker.nextConnection();
    await c.accept(true);
    await c.waitClosed();
    await until(() => h.seen.errors.some((e) => (e as { code?: string }).code === "protocol-error"), "protocol error");
    expect(h.seen.connects).toHaveLength(0);
  });

  it("MQTT 5: reconnects with Clean Start = 0 after the first session when a session expiry is set, and uses the Assigned Client Identifier", async () => {
    const h = fake.clients.start({ protocolVersion: 5, clientId: "", cleanStart: true, sessionExpiryInterval: 600 });
    const c1 = await fake.broker.nextConnection();
    const first = await c1.accept(false, { assignedClientIdentifier: "auto-42" });
    expect(first.packet.clean).toBe(true);
    await until(() => h.seen.connects.length === 1, "connected");
    expect(h.client.identifier).toBe("auto-42");
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    const second = await c2.accept(true);
    expect(second.packet).toMatchObject({ clean: false, clientId: "auto-42" });
  });

  it("re-sends a SUBSCRIBE that was never answered after reconnecting", async () => {
    const { h, c: c1 } = await fake.connected();
    let codes: number[] | undefined;
    h.client.subscribe("a/b", undefined, (_e, granted) => (codes = granted));
    await c1.next("subscribe");
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    await c2.accept(true);
    const sub = await c2.next("subscribe");
    c2.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [0] });
    await until(() => codes !== undefined, "suback");
    expect(codes).toEqual([0]);
  });
  it("reports a refused automatic re-subscribe through onError (subscribe-refused)", async () => {
    const h = fake.clients.start();
    const c1 = await fake.broker.nextConnection();
    await c1.accept();
    let done = false;
    h.client.subscribe("cmd/x", undefined, () => (done = true));
    const sub = await c1.next("subscribe");
    c1.send({ cmd: "suback", messageId: sub.packet.messageId, granted: [0] });
    await until(() => done, "suback");
    c1.destroy();
    const c2 = await fake.broker.nextConnection();
    await c2.accept(false);
    const resub = await c2.next("subscribe");
    c2.send({ cmd: "suback", messageId: resub.packet.messageId, granted: [0x80] });
    await until(() => h.seen.errors.length === 1, "onError");
    expect(h.seen.errors[0]).toMatchObject({ code: "subscribe-refused", reasonCode: 0x80 });
  });

  it("reconnect(): DISCONNECT on the connection in hand, a new connection at once that resumes the session, the unacknowledged publish resent", async () => {
    const { h, c: c1 } = await fake.connected();
    const done = publishAsync(h.client, "s/r", "kept", { qos: 1 });
    const first = await c1.next("publish");
    h.client.reconnect();
    // The broker sees a normal DISCONNECT (so it drops the will), not a lost connection.
    await c1.next("disconnect");
    await c1.waitClosed();
    expect(h.seen.disconnects.map((e) => (e as ClientError).code)).toEqual(["reconnecting"]);
    const c2 = await fake.broker.nextConnection();
    expect((await c2.next("connect")).packet.clean).toBe(false);
    c2.connack(true);
    const again = await c2.next("publish");
    expect(again.packet.dup).toBe(true);
    expect(again.packet.messageId).toBe(first.packet.messageId);
    c2.send({ cmd: "puback", messageId: again.packet.messageId });
    expect(await done).toBeUndefined();
    await until(() => h.seen.connects.length === 2, "the second connection");
    expect(h.seen.errors).toEqual([]);
  });

  it("reconnect() from the message handler: the PUBACK is not sent on the new connection before its CONNECT; the message comes again and is acknowledged there", async () => {
    const holder: { client?: { reconnect(): void } } = {};
    let reconnected = false;
    const { h, c: c1 } = await fake.connected({
      onMessage() {
        if (reconnected) return;
        reconnected = true;
        holder.client?.reconnect();
      },
    });
    holder.client = h.client;
    c1.send({ cmd: "publish", topic: "s/in", payload: Buffer.from("x"), qos: 1, messageId: 7 });
    await c1.next("disconnect");
    const c2 = await fake.broker.nextConnection();
    const first = await c2.next();
    expect(first.packet.cmd).toBe("connect"); // [MQTT-3.1.0-1]: not the PUBACK of the other connection
    c2.connack(true);
    c2.send({ cmd: "publish", topic: "s/in", payload: Buffer.from("x"), qos: 1, messageId: 7, dup: true });
    expect((await c2.next("puback")).packet.messageId).toBe(7);
    expect(h.seen.messages.map((m) => m.topic)).toEqual(["s/in", "s/in"]);
    expect(h.seen.errors).toEqual([]);
  });

  it("disconnect() from the message handler: nothing goes out after the DISCONNECT, neither PUBACK nor PUBREC", async () => {
    for (const qos of [1, 2] as const) {
      const holder: { client?: { disconnect(done: () => void): void } } = {};
      let gone = 0;
      const { h, c } = await fake.connected({
        onMessage() {
          holder.client?.disconnect(() => gone++);
        },
      });
      holder.client = h.client;
      c.send({ cmd: "publish", topic: "s/in", payload: Buffer.from("x"), qos, messageId: 7 });
      await c.next("disconnect");
      c.destroy(); // as a broker does on DISCONNECT (MQTT 3.14.4)
      await until(() => gone === 1, "the disconnect completed");
      expect(c.received.map((r) => r.packet.cmd)).toEqual(["connect", "disconnect"]);
      expect(h.seen.messages.map((m) => m.topic)).toEqual(["s/in"]);
      expect(h.seen.errors).toEqual([]);
    }
  });

  it("reconnect() while waiting to retry tries at once; before connect() it does nothing", async () => {
    const idle = fake.clients.make();
    idle.client.reconnect();
    await settle();
    expect(fake.broker.connections.length).toBe(0);
    const { h, c } = await fake.connected({ backoff: { base: 60_000, cap: 60_000 } });
    c.destroy();
    await until(() => h.seen.disconnects.length === 1, "the drop");
    h.client.reconnect(); // the backoff would have waited up to a minute
    const again = await fake.broker.nextConnection(2_000);
    await again.accept(true);
    await until(() => h.seen.connects.length === 2, "connected again");
  });
});

