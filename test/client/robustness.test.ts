// Broken brokers: every malformed or impossible packet gives a typed error, closes the connection
// (MQTT 5: DISCONNECT with the matching reason code first) and reconnects. Never a crash, never a hang.
// Also: backpressure - the client never writes more than the socket's writable count.
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import type { BufferLike, Socket, SocketOptions } from "../../firmware/platform/ports.js";
import { nodeSocketClass } from "../../host-sim/platform/node-socket.js";
import { until, useFakeBroker } from "./harness.js";

const fake = useFakeBroker();

// Each case: the bytes a 3.1.1 broker sends and the 5.0 form (PUBLISH gains an empty property length, CONNACK
// a property length, SUBSCRIBE its properties), the typed error and the DISCONNECT reason 5.0 requires.
const cases: { name: string; v4: number[]; v5: number[]; code: string; reason: number }[] = [
  { name: "malformed Remaining Length (five bytes)", v4: [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], v5: [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], code: "malformed-packet", reason: 0x81 },
  // 3.1.1 skips an oversize PUBLISH (below); any other packet that large, and an oversize PUBLISH from an MQTT 5
  // server, which knew our limit [MQTT-3.1.2-24], are errors.
  { name: "an oversize packet (above our Maximum Packet Size: 3.1.1 a SUBACK, 5.0 a PUBLISH)", v4: [0x90, 0xff, 0xff, 0x03], v5: [0x30, 0xff, 0xff, 0x03], code: "packet-too-large", reason: 0x95 },
  { name: "invalid UTF-8 in a topic", v4: [0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x41], v5: [0x30, 0x06, 0x00, 0x02, 0xc3, 0x28, 0x00, 0x41], code: "malformed-packet", reason: 0x81 },
  { name: "U+0000 in a topic", v4: [0x30, 0x05, 0x00, 0x02, 0x61, 0x00, 0x41], v5: [0x30, 0x06, 0x00, 0x02, 0x61, 0x00, 0x00, 0x41], code: "malformed-packet", reason: 0x81 },
  { name: "reserved fixed-header bits (PUBREL with flags 0000)", v4: [0x60, 0x02, 0x00, 0x01], v5: [0x60, 0x02, 0x00, 0x01], code: "malformed-packet", reason: 0x81 },
  { name: "reserved packet type 0", v4: [0x00, 0x00], v5: [0x00, 0x00], code: "malformed-packet", reason: 0x81 },
  { name: "a packet only clients send (SUBSCRIBE)", v4: [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], v5: [0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x00], code: "protocol-error", reason: 0x82 },
  { name: "a second CONNACK", v4: [0x20, 0x02, 0x00, 0x00], v5: [0x20, 0x03, 0x00, 0x00, 0x00], code: "protocol-error", reason: 0x82 },
];

describe("robustness", () => {
  it("v3.1.1: an oversize PUBLISH is skipped as it arrives, acknowledged, reported, and the connection goes on", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 4, maximumPacketSize: 4096 });
    const topic = [0x00, 0x03, 0x61, 0x2f, 0x62]; // "a/b"
    const body = 2 + 3 + 2 + 10_000;
    c.sendRaw([0x32, body & 0x7f | 0x80, body >> 7, ...topic, 0x12, 0x34]); // QoS 1, packet id 0x1234
    for (let i = 0; i < 10; i++) c.sendRaw(new Array(1000).fill(0x41));
    const ack = await c.next("puback");
    expect(ack.raw).toEqual(Buffer.from([0x40, 0x02, 0x12, 0x34]));
    await until(() => h.seen.errors.length === 1, "reported");
    expect(h.seen.errors[0]).toMatchObject({ name: "MessageTooLargeError", topic: "a/b", size: 1 + 2 + body, limit: 4096 });
    expect(h.seen.messages).toHaveLength(0);
    c.send({ cmd: "publish", topic: "a/c", payload: Buffer.from("ok"), qos: 0 });
    await until(() => h.seen.messages.length === 1, "the next message");
    expect(h.seen.disconnects).toHaveLength(0);
  });

  for (const version of [4, 5] as const) {
    for (const t of cases) {
      it(`v${version === 4 ? "3.1.1" : "5"}: ${t.name} -> typed error, connection closed${version === 5 ? ", DISCONNECT with the reason code" : ""}, then reconnect`, async () => {
        const { h, c } = await fake.connected({ protocolVersion: version, maximumPacketSize: 4096 });
        c.sendRaw(version === 4 ? t.v4 : t.v5);
        if (version === 5) {
          const d = await c.next("disconnect");
          expect(d.packet.reasonCode).toBe(t.reason);
        }
        await c.waitClosed();
        await until(() => h.seen.disconnects.length === 1, "disconnect reported");
        const error = h.seen.disconnects[0];
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe(t.code);
        const c2 = await fake.broker.nextConnection();
        await c2.accept();
        await until(() => h.seen.connects.length === 2, "reconnected");
      });
    }
  }

  it("a packet before CONNACK is a protocol error ([MQTT-3.2.0-1])", async () => {
    const h = fake.clients.start();
    const c = await fake.broker.nextConnection();
    await c.next("connect");
    c.send({ cmd: "pingresp" });
    await c.waitClosed();
    await until(() => h.seen.errors.length === 1, "error");
    expect(h.seen.errors[0]).toMatchObject({ code: "protocol-error", section: "3.2.0-1" });
  });

  it("a broker that sends half a packet and closes is a lost connection, not a hang", async () => {
    const { h, c } = await fake.connected();
    c.sendRaw([0x30, 0x20, 0x00, 0x05, 0x61]);
    setTimeout(() => c.destroy(), 20);
    await until(() => h.seen.disconnects.length === 1, "disconnect");
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => h.seen.connects.length === 2, "reconnected");
  });

  it("MQTT 5: a DISCONNECT from the server is surfaced with its reason code and string, then reconnect", async () => {
    const { h, c } = await fake.connected({ protocolVersion: 5 });
    c.send({ cmd: "disconnect", reasonCode: 0x8b, properties: { reasonString: "shutting down" } });
    await until(() => h.seen.disconnects.length === 1, "disconnect");
    expect(h.seen.disconnects[0]).toMatchObject({ code: "server-disconnect", reasonCode: 0x8b, reasonString: "shutting down" });
    const c2 = await fake.broker.nextConnection();
    await c2.accept();
    await until(() => h.seen.connects.length === 2, "reconnected");
  });

  it("an exception thrown by onMessage is reported through onError and the connection stays up", async () => {
    const h = fake.clients.make({
      onMessage: () => {
        throw new Error("app bug");
      },
    });
    h.client.connect();
    const c = await fake.broker.nextConnection();
    await c.accept();
    c.send({ cmd: "publish", topic: "t", payload: Buffer.from("x"), qos: 1, messageId: 1, retain: false, dup: false });
    await c.next("puback");
    expect(h.seen.errors.map((e) => e.message)).toEqual(["app bug"]);
    expect(h.client.connected).toBe(true);
  });
});

describe("backpressure", () => {
  it("never writes more than the socket's writable count, splitting and coalescing packets as needed", async () => {
    const Base = nodeSocketClass({ window: 64 });
    const violations: string[] = [];
    let writes = 0;
    class Recording implements Socket {
      private readonly inner: Socket;
      private writable = 0;
      constructor(options: SocketOptions) {
        this.inner = new Base({
          ...options,
          onWritable: (count) => {
            this.writable = count;
            options.onWritable?.(count);
          },
        });
      }
      read() {
        return this.inner.read();
      }
      write(bytes: BufferLike) {
        writes++;
        if (bytes.byteLength > this.writable) violations.push(`${bytes.byteLength} > ${this.writable}`);
        this.writable = this.inner.write(bytes);
        return this.writable;
      }
      close() {
        this.inner.close();
      }
    }
    const { h, c } = await fake.connected({ Socket: Recording, queue: { maxMessages: 1000, maxBytes: 1 << 20 } });
    let completed = 0;
    for (let i = 0; i < 300; i++) h.client.publish("bp/topic", `${i}:${"x".repeat(i % 150)}`, { qos: 0 }, () => completed++);
    await until(() => c.received.filter((r) => r.packet.cmd === "publish").length === 300, "all 300 received", 30_000);
    const payloads = c.received.filter((r) => r.packet.cmd === "publish").map((r) => Buffer.from(r.packet.payload as Buffer).toString().split(":")[0]);
    expect(payloads).toEqual(Array.from({ length: 300 }, (_, i) => `${i}`));
    expect(violations).toEqual([]);
    expect(writes).toBeGreaterThan(300 * 40 / 64);
    expect(completed).toBe(300);
  });

  it("the host socket refuses a write above its writable count", async () => {
    const Small = nodeSocketClass({ window: 16 });
    let writable = -1;
    let socket!: Socket;
    await new Promise<void>((resolve) => {
      socket = new Small({ host: "127.0.0.1", port: fake.broker.port, onWritable: (n) => ((writable = n), resolve()) });
    });
    expect(writable).toBe(16);
    expect(() => socket.write(new Uint8Array(17))).toThrow(RangeError);
    expect(socket.write(new Uint8Array(16))).toBe(0);
    socket.close();
  });
});
