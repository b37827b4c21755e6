// The MQTT codec inside the XS engine must produce exactly what it produces under Node: the same bytes
// for every packet, the same packets from those bytes (whole or split across any chunking), and the same
// typed error for malformed input. mqtt-packet checks the bytes independently.
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePacket, PacketDecoder } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import type { Packet, ProtocolVersion, Publish } from "../../firmware/mqtt/codec/packets.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { commonPackets, malformedFrames, v4Packets, v5Packets } from "./codec-vectors.js";
import { type Outcome, outcomeOf } from "./entries/codec-wire.js";

/** Bytes as hex, so ArrayBuffer (from XS) and Uint8Array (from Node) compare equal. */
function plain(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("hex");
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = plain(field);
    return out;
  }
  return value;
}

let xs: XsFirmware;
beforeAll(async () => {
  xs = await XsFirmware.start({ entry: "test/xs/entries/codec-batches.ts" });
});
afterAll(async () => {
  await xs?.close();
});

const levels: [ProtocolVersion, Packet[]][] = [
  [4, [...commonPackets, ...v4Packets]],
  [5, [...commonPackets.map((p) => (p.type === "connect" ? { ...p, protocolVersion: 5 as const } : p)), ...v5Packets]],
];

describe("MQTT codec in XS", () => {
  for (const [version, packets] of levels) {
    it(`encodes every packet type to the same bytes as under Node (MQTT ${version === 4 ? "3.1.1" : "5.0"})`, async () => {
      const fromXs = await xs.call<Outcome<ArrayBuffer>[]>("encodeAll", packets, version);
      const fromNode = packets.map((packet) => outcomeOf(() => encode(packet, version)));
      expect(fromNode.every((o) => "value" in o)).toBe(true);
      expect(plain(fromXs)).toEqual(plain(fromNode));
      // Independent check: mqtt-packet reads the XS bytes as the same packet types.
      for (const [i, outcome] of fromXs.entries()) {
        const parser = mqttPacket.parser({ protocolVersion: version });
        const parsed: string[] = [];
        parser.on("packet", (p) => parsed.push(p.cmd));
        parser.on("error", (e) => parsed.push(`error: ${e.message}`));
        parser.parse(Buffer.from((outcome as { value: ArrayBuffer }).value));
        expect(parsed).toEqual([packets[i].type]);
      }
    });

    it(`decodes those bytes to the same packets as under Node, whole and in every chunking (MQTT ${version})`, async () => {
      const frames = packets.map((packet) => encode(packet, version));
      const fromXs = await xs.call<Outcome<Packet>[]>("decodeAll", frames, version);
      const fromNode = frames.map((frame) => outcomeOf(() => decodePacket(frame, version)));
      expect(fromNode.every((o) => "value" in o)).toBe(true);
      expect(plain(fromXs)).toEqual(plain(fromNode));

      const stream = Buffer.concat(frames);
      for (const chunking of [[1], [2, 3], [7], [64], [1000], [stream.length]]) {
        const result = await xs.call<{ packets: Packet[]; ended: Outcome<number> }>("stream", stream, chunking, version);
        expect(result.ended).toEqual({ value: packets.length });
        expect(plain(result.packets)).toEqual(plain(fromNode.map((o) => (o as { value: Packet }).value)));
      }
    });
  }

  it("refuses malformed packets with the same ProtocolError code and section as under Node", async () => {
    for (const version of [4, 5] as const) {
      const frames = malformedFrames.map((frame) => new Uint8Array(frame));
      const fromXs = await xs.call<Outcome<Packet>[]>("decodeAll", frames, version);
      const fromNode = frames.map((frame) => outcomeOf(() => decodePacket(frame, version)));
      expect(fromNode.every((o) => "error" in o && o.error.name === "ProtocolError")).toBe(true);
      expect(fromXs).toEqual(fromNode);
    }
  });

  it("enforces the maximum packet size in XS as under Node", async () => {
    const big = encode({ type: "publish", topic: "t", payload: new Uint8Array(500), qos: 0, retain: false, dup: false }, 4);
    const result = await xs.call<{ ended: Outcome<number> }>("stream", big, [100], 4, 256);
    const node = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: 256 });
    const expected = outcomeOf(() => node.push(big.subarray(0, 100), () => {}));
    expect("error" in result.ended && result.ended.error.code).toBe("packet-too-large");
    expect(result.ended).toEqual(expected);
  });

  it("agrees with Node on arbitrary PUBLISH packets (property-based, one XS batch per run)", async () => {
    const publish = fc.record({
      topic: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((t) => !t.includes("+") && !t.includes("#") && !t.includes("\u0000")),
      payload: fc.uint8Array({ maxLength: 300 }),
      qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
      retain: fc.boolean(),
      dup: fc.boolean(),
      packetId: fc.integer({ min: 1, max: 65535 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(publish, { minLength: 1, maxLength: 50 }), fc.constantFrom(4 as const, 5 as const), async (drafts, version) => {
        const packets: Publish[] = drafts.map((d) => ({
          type: "publish",
          ...d,
          dup: d.qos > 0 && d.dup,
          packetId: d.qos > 0 ? d.packetId : undefined,
        }));
        const encoded = await xs.call<Outcome<ArrayBuffer>[]>("encodeAll", packets, version);
        expect(plain(encoded)).toEqual(plain(packets.map((p) => outcomeOf(() => encode(p, version)))));
        const frames = packets.map((p) => encode(p, version));
        const decoded = await xs.call<Outcome<Packet>[]>("decodeAll", frames, version);
        expect(plain(decoded)).toEqual(plain(frames.map((f) => outcomeOf(() => decodePacket(f, version)))));
      }),
      { numRuns: 40 },
    );
  });
});
