// The wire bench's plaintext tap (bench/wire/tap.ts): it must put every MQTT byte in exactly one role -
// payload, PUBLISH header, acks, keepalive, session - whatever the chunking, for MQTT 5 (properties, topic
// aliases) and 3.1.1. Packets are made by mqtt-packet, which shares no code with the tap.
import mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { mqttTap, mqttTotal } from "../../bench/wire/tap.js";

const gen = (packet: object, protocolVersion: 4 | 5) => new Uint8Array(mqttPacket.generate(packet as mqttPacket.Packet, { protocolVersion }));

describe("wire tap", () => {
  it.each([4, 5] as const)("splits an MQTT %d session into payload, headers, acks, keepalive and session, in any chunks", (v) => {
    const payload = new Uint8Array(37).fill(0x81);
    const properties = v === 5 ? { topicAlias: 1, contentType: "application/senml+cbor" } : undefined;
    const up = [
      gen({ cmd: "connect", protocolVersion: v, clientId: "wearable-001", keepalive: 60, clean: true }, v),
      gen({ cmd: "publish", topic: "devices/wearable-001/status", payload: "online", qos: 1, retain: true, messageId: 1 }, v),
      gen({ cmd: "publish", topic: "devices/wearable-001/telemetry", payload: Buffer.from(payload), qos: 1, retain: false, messageId: 2, properties }, v),
      gen({ cmd: "publish", topic: v === 5 ? "" : "devices/wearable-001/telemetry", payload: Buffer.from(payload), qos: 1, retain: false, messageId: 3, properties: v === 5 ? { topicAlias: 1 } : undefined }, v),
      gen({ cmd: "pingreq" }, v),
    ];
    const down = [
      gen({ cmd: "connack", sessionPresent: false, returnCode: 0, reasonCode: 0 }, v),
      gen({ cmd: "puback", messageId: 1 }, v),
      gen({ cmd: "puback", messageId: 2 }, v),
      gen({ cmd: "puback", messageId: 3 }, v),
      gen({ cmd: "pingresp" }, v),
    ];
    const size = (list: Uint8Array[]) => list.reduce((a, p) => a + p.length, 0);
    const seen: number[] = [];
    const tap = mqttTap(v, (p) => seen.push(p[0] >> 4));
    // Byte by byte up, all at once down.
    for (const p of up) for (const b of p) tap.up(new Uint8Array([b]));
    const all = new Uint8Array(size(down));
    let at = 0;
    for (const p of down) {
      all.set(p, at);
      at += p.length;
    }
    tap.down(all);
    expect(seen).toEqual([1, 3, 3, 3, 12]);
    expect(tap.bytes.payload).toBe(2 * payload.length);
    expect(tap.bytes.publishHeader).toBe(up[2].length + up[3].length - 2 * payload.length);
    expect(tap.bytes.acks).toBe(size(down.slice(1, 4)));
    expect(tap.bytes.keepalive).toBe(up[4].length + down[4].length);
    expect(tap.bytes.session).toBe(up[0].length + up[1].length + down[0].length);
    expect(mqttTotal(tap.bytes)).toBe(size(up) + size(down));
  });
});
