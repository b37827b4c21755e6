// Property tests of the codec against mqtt-packet (the MQTT.js codec), for both protocol versions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PacketDecoder, decodePacket } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import type { Packet, ProtocolVersion } from "../../firmware/mqtt/codec/packets.js";
import { packetArbitrary } from "./arbitraries.js";
import { concat, pushInChunks } from "./chunks.js";
import { isByteCanonical, mqttPacketGenerate, mqttPacketParse, normalize } from "../../support/mqtt-oracle.js";

const RUNS = { numRuns: 400, seed: 0x5eed };

function decodeInChunks(bytes: Uint8Array, cuts: number[], v: ProtocolVersion | undefined): Packet[] {
  const decoder = new PacketDecoder({ protocolVersion: v });
  const packets: Packet[] = [];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  pushInChunks(decoder, bytes, points, (p) => packets.push(p));
  return packets;
}

describe.each([4, 5] as const)("MQTT %s codec against mqtt-packet", (v) => {
  const compatible = packetArbitrary(v, { mqttPacketCompatible: true });

  it("what we encode, mqtt-packet parses to the same packet", () => {
    fc.assert(
      fc.property(compatible, (packet) => {
        const parsed = mqttPacketParse(encode(packet, v), v);
        expect(parsed).toHaveLength(1);
        expect(normalize(parsed[0])).toEqual(normalize(packet));
      }),
      RUNS,
    );
  });

  it("what mqtt-packet generates, we decode to the same packet", () => {
    fc.assert(
      fc.property(compatible, (packet) => {
        expect(normalize(decodePacket(mqttPacketGenerate(packet, v), v))).toEqual(normalize(packet));
      }),
      RUNS,
    );
  });

  it("our bytes are identical to mqtt-packet's wherever the encoding is canonical", () => {
    let compared = 0;
    fc.assert(
      fc.property(compatible, (packet) => {
        if (!isByteCanonical(packet, v)) return;
        compared++;
        expect(Buffer.from(encode(packet, v)).toString("hex")).toBe(Buffer.from(mqttPacketGenerate(packet, v)).toString("hex"));
      }),
      RUNS,
    );
    expect(compared).toBeGreaterThan(RUNS.numRuns / 2);
  });

  it("decoding what we encode gives back exactly the packet", () => {
    fc.assert(
      fc.property(packetArbitrary(v), (packet) => {
        // Strict: no `undefined` keys stand in for absent fields, payloads are plain Uint8Arrays.
        expect(decodePacket(encode(packet, v), v)).toStrictEqual(packet);
      }),
      RUNS,
    );
  });

  it("decoding is invariant to how the bytes are chunked: many packets per chunk, random cuts, one byte at a time", () => {
    fc.assert(
      fc.property(
        fc.array(packetArbitrary(v).filter((p) => p.type !== "connect"), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (packets, cuts) => {
          const bytes = concat(packets.map((p) => encode(p, v)));
          const whole = decodeInChunks(bytes, [], v);
          expect(whole).toStrictEqual(packets);
          expect(decodeInChunks(bytes, cuts, v)).toStrictEqual(whole);
          const oneByteAtATime = Array.from({ length: bytes.length }, (_, i) => i);
          expect(decodeInChunks(bytes, oneByteAtATime, v)).toEqual(whole);
        },
      ),
      { ...RUNS, numRuns: 200 },
    );
  });

  it("a server-side decoder learns the version from CONNECT, however the stream is chunked", () => {
    const connect = packetArbitrary(v).filter((p) => p.type === "connect");
    const rest = fc.array(packetArbitrary(v).filter((p) => p.type !== "connect"), { maxLength: 4 });
    fc.assert(
      fc.property(connect, rest, fc.array(fc.nat(), { maxLength: 8 }), (first, others, cuts) => {
        const packets = [first, ...others];
        const bytes = concat(packets.map((p) => encode(p, v)));
        expect(decodeInChunks(bytes, cuts, undefined)).toEqual(packets);
      }),
      { ...RUNS, numRuns: 200 },
    );
  });
});
