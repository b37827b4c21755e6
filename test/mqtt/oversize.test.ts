// A PUBLISH larger than the decoder accepts, with oversize "skip": its bytes go by as they stream in and it
// comes out with `oversize` set, its topic and packet identifier, and an empty payload; what follows it is
// decoded as usual, whatever the chunking. Anything else that large, and any oversize PUBLISH without
// "skip", is still ProtocolError packet-too-large.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PacketDecoder } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import type { Packet } from "../../firmware/mqtt/codec/packets.js";

const LIMIT = 256;
const big = (qos: 0 | 1 | 2, topic = "devices/wearable-001/config", size = 10_000): Uint8Array =>
  encode({ type: "publish", topic, payload: new Uint8Array(size).fill(7), qos, retain: qos === 1, dup: false, ...(qos > 0 ? { packetId: 77 } : {}) }, 4);
const after = encode({ type: "publish", topic: "a/b", payload: new Uint8Array([1, 2, 3]), qos: 1, retain: false, dup: false, packetId: 78 }, 4);

function feed(bytes: Uint8Array, cuts: number[], decoder = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: LIMIT, oversize: "skip" })): Packet[] {
  const out: Packet[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (cut <= at) continue;
    // With a `target`: every path (whole, split, skipped) must call back with it as `this`.
    decoder.push(
      bytes.slice(at, cut),
      function (this: Packet[], p) {
        this.push(p);
      },
      out,
    );
    at = cut;
  }
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe("oversize PUBLISH, skipped", () => {
  it.each([0, 1, 2] as const)("QoS %i: comes out with its size, topic, packet id and no payload, then the next packet", (qos) => {
    const bytes = concat(big(qos), after);
    const [skipped, next] = feed(bytes, []);
    expect(skipped).toMatchObject({ type: "publish", topic: "devices/wearable-001/config", qos, oversize: big(qos).length, retain: qos === 1 });
    expect(skipped.type === "publish" && skipped.payload.length).toBe(0);
    if (qos > 0) expect(skipped).toMatchObject({ packetId: 77 });
    expect(next).toMatchObject({ type: "publish", topic: "a/b", packetId: 78 });
  });

  it("property: any chunking gives the same packets", () => {
    const bytes = concat(after, big(1), after, big(2, "x".repeat(300)), after);
    const whole = feed(bytes, []);
    expect(whole.map((p) => p.type === "publish" && (p.oversize ?? 0))).toEqual([0, big(1).length, 0, big(2, "x".repeat(300)).length, 0]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }), (cuts) => {
        expect(feed(bytes, cuts)).toEqual(whole);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("byte by byte, a 256 MB announcement is let through without keeping its bytes", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: LIMIT, oversize: "skip" });
    const header = new Uint8Array([0x32, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x74, 0x00, 0x05]); // QoS 1, topic "t", id 5
    const out: Packet[] = [];
    for (const b of header) decoder.push(new Uint8Array([b]), (p) => out.push(p));
    const chunk = new Uint8Array(64 * 1024);
    for (let i = 0; i < 64; i++) decoder.push(chunk, (p) => out.push(p)); // 4 MiB of payload go by
    expect(out).toEqual([]);
  });

  it("a Topic Name longer than 1 KiB is not kept whole, but the packet id still comes out", () => {
    const [skipped] = feed(big(1, "t".repeat(3000)), [5, 1500, 2999]);
    expect(skipped).toMatchObject({ packetId: 77, oversize: big(1, "t".repeat(3000)).length });
    expect(skipped.type === "publish" && skipped.topic).toBe("t".repeat(1024));
  });

  it("without skip, and for other packet types, it is still packet-too-large", () => {
    const strict = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: LIMIT });
    expect(() => strict.push(big(1), () => {})).toThrow(ProtocolError);
    const skipping = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: LIMIT, oversize: "skip" });
    const suback = encode({ type: "suback", packetId: 1, reasonCodes: new Array(400).fill(0) }, 4);
    expect(() => skipping.push(suback, () => {})).toThrow(expect.objectContaining({ code: "packet-too-large" }));
  });

  it("a PUBLISH too short to hold its Topic Name is malformed", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: 3, oversize: "skip" });
    expect(() => decoder.push(new Uint8Array([0x30, 0x03, 0x00, 0x05, 0x61]), () => {})).toThrow(ProtocolError);
  });
});
