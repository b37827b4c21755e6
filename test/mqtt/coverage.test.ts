// Exhaustive MQTT 5.0 coverage, from the spec's tables in arbitraries.ts (written independently of the
// codec's): each packet with every property it may carry at once, and each packet's reason codes - exactly
// the listed ones decode, every other byte value is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePacket } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import type { Packet, ProtocolVersion } from "../../firmware/mqtt/codec/packets.js";
import { ALLOWED_PROPERTIES, REASON_CODES, allPropertiesFor, packetArbitrary } from "./arbitraries.js";
import { mqttPacketParse, normalize } from "../../support/mqtt-oracle.js";

const SEED = 0x5eed;

/** A valid 5.0 packet of `type` carrying every property allowed there (CONNECT: also in its Will). */
function withEveryProperty(type: string, compatible: boolean): Packet {
  const [base] = fc.sample(
    packetArbitrary(5, { mqttPacketCompatible: compatible }).filter((p) => p.type === type && (type !== "connect" || "will" in p)),
    { numRuns: 1, seed: SEED },
  );
  const [properties] = fc.sample(allPropertiesFor(type, compatible), { numRuns: 1, seed: SEED });
  const packet = { ...base, properties } as Packet;
  if (packet.type === "connect" && packet.will) {
    const [will] = fc.sample(allPropertiesFor("will", compatible), { numRuns: 1, seed: SEED });
    packet.will = { ...packet.will, properties: will };
  }
  return packet;
}

const types = Object.keys(ALLOWED_PROPERTIES).filter((t) => t !== "will");

describe("MQTT 5.0: every property of every packet", () => {
  it.each(types)("%s with all its properties at once (user properties included) round-trips", (type) => {
    const packet = withEveryProperty(type, false);
    expect(Object.keys(("properties" in packet && packet.properties) || {}).sort()).toEqual([...ALLOWED_PROPERTIES[type]].sort());
    expect(decodePacket(encode(packet, 5), 5)).toStrictEqual(packet);
  });

  it.each(types)("%s with all its properties at once reads the same in mqtt-packet", (type) => {
    const packet = withEveryProperty(type, true);
    const parsed = mqttPacketParse(encode(packet, 5), 5);
    expect(parsed).toHaveLength(1);
    expect(normalize(parsed[0])).toEqual(normalize(packet));
  });
});

// Each packet with a reason code, as bytes with the code at `at` (Property Length 0 where the form needs one).
const reasonForms: [name: string, v: ProtocolVersion, codes: number[], hex: string, at: number][] = [
  ["CONNACK", 5, REASON_CODES.connack5, "20 03 00 00 00", 3],
  ["CONNACK", 4, REASON_CODES.connack4, "20 02 00 00", 3],
  ["PUBACK", 5, REASON_CODES.puback, "40 03 000a 00", 4],
  ["PUBREC", 5, REASON_CODES.pubrec, "50 03 000a 00", 4],
  ["PUBREL", 5, REASON_CODES.pubrel, "62 03 000a 00", 4],
  ["PUBCOMP", 5, REASON_CODES.pubcomp, "70 03 000a 00", 4],
  ["SUBACK", 5, REASON_CODES.suback5, "90 04 0001 00 00", 5],
  ["SUBACK", 4, REASON_CODES.suback4, "90 03 0001 00", 4],
  ["UNSUBACK", 5, REASON_CODES.unsuback, "b0 04 0002 00 00", 5],
  ["DISCONNECT", 5, REASON_CODES.disconnect, "e0 01 00", 2],
  ["AUTH", 5, REASON_CODES.auth, "f0 02 00 00", 2],
];

describe("reason codes", () => {
  it.each(reasonForms)("%s (MQTT %s) decodes exactly the spec's reason codes and refuses every other value", (_name, v, codes, hex, at) => {
    const wire = new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
    for (let code = 0; code < 256; code++) {
      wire[at] = code;
      if (codes.includes(code)) {
        const packet = decodePacket(wire, v) as Packet & { reasonCode?: number; reasonCodes?: number[] };
        expect(packet.reasonCode ?? packet.reasonCodes?.[0]).toBe(code);
      } else {
        expect(() => decodePacket(wire, v), `code 0x${code.toString(16)}`).toThrow(ProtocolError);
      }
    }
  });
});
