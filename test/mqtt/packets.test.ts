// One hand-assembled byte vector per packet type and protocol version, checked both ways: our encoding is
// exactly these bytes, and decoding these bytes gives exactly the packet.
import { describe, expect, it } from "vitest";
import { decodePacket } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import type { Packet, ProtocolVersion } from "../../firmware/mqtt/codec/packets.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

const vectors: [string, ProtocolVersion, Packet, string][] = [
  [
    "CONNECT with will, user name and password",
    4,
    {
      type: "connect",
      protocolVersion: 4,
      clientId: "dev1",
      cleanStart: true,
      keepAlive: 60,
      username: "u",
      password: text("p"),
      will: { topic: "w", payload: bytes("01"), qos: 1, retain: true },
    },
    "10 1c 0004 4d515454 04 ee 003c 0004 64657631 0001 77 0001 01 0001 75 0001 70",
  ],
  ["CONNACK with Session Present", 4, { type: "connack", sessionPresent: true, reasonCode: 0 }, "20 02 01 00"],
  ["CONNACK refused: not authorized", 4, { type: "connack", sessionPresent: false, reasonCode: 5 }, "20 02 00 05"],
  [
    "PUBLISH QoS 1 with DUP and RETAIN",
    4,
    { type: "publish", topic: "a/b", payload: text("hi"), qos: 1, retain: true, dup: true, packetId: 10 },
    "3b 09 0003 612f62 000a 6869",
  ],
  ["PUBLISH QoS 0 with an empty payload", 4, { type: "publish", topic: "t", payload: new Uint8Array(0), qos: 0, retain: false, dup: false }, "30 03 0001 74"],
  ["PUBACK", 4, { type: "puback", packetId: 10 }, "40 02 000a"],
  ["PUBREC", 4, { type: "pubrec", packetId: 10 }, "50 02 000a"],
  ["PUBREL (flags 0010)", 4, { type: "pubrel", packetId: 10 }, "62 02 000a"],
  ["PUBCOMP", 4, { type: "pubcomp", packetId: 10 }, "70 02 000a"],
  [
    "SUBSCRIBE (flags 0010)",
    4,
    { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "a/#", qos: 1 }, { topicFilter: "+", qos: 0 }] },
    "82 0c 0001 0003 612f23 01 0001 2b 00",
  ],
  ["SUBACK with a failure", 4, { type: "suback", packetId: 1, reasonCodes: [1, 0x80] }, "90 04 0001 01 80"],
  ["UNSUBSCRIBE (flags 0010)", 4, { type: "unsubscribe", packetId: 2, topicFilters: ["a/#"] }, "a2 07 0002 0003 612f23"],
  ["UNSUBACK", 4, { type: "unsuback", packetId: 2 }, "b0 02 0002"],
  ["PINGREQ", 4, { type: "pingreq" }, "c0 00"],
  ["PINGRESP", 4, { type: "pingresp" }, "d0 00"],
  ["DISCONNECT", 4, { type: "disconnect" }, "e0 00"],

  [
    "CONNECT with properties and Will Properties",
    5,
    {
      type: "connect",
      protocolVersion: 5,
      clientId: "dev1",
      cleanStart: true,
      keepAlive: 60,
      properties: { sessionExpiryInterval: 120, receiveMaximum: 10 },
      will: { topic: "w", payload: bytes("01"), qos: 0, retain: false, properties: { willDelayInterval: 5 } },
    },
    "10 25 0004 4d515454 05 06 003c 08 1100000078 21000a 0004 64657631 05 1800000005 0001 77 0001 01",
  ],
  [
    "CONNACK with properties in identifier order",
    5,
    { type: "connack", sessionPresent: false, reasonCode: 0, properties: { userProperties: [["a", "b"]], maximumQoS: 1, topicAliasMaximum: 5 } },
    "20 0f 00 00 0c 220005 2401 26000161000162",
  ],
  ["CONNACK refused: bad user name or password", 5, { type: "connack", sessionPresent: false, reasonCode: 0x86 }, "20 03 00 86 00"],
  [
    "PUBLISH with an empty Topic Name and a Topic Alias",
    5,
    { type: "publish", topic: "", payload: text("x"), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } },
    "30 07 0000 03 230003 78",
  ],
  [
    "PUBLISH QoS 2 with two Subscription Identifiers",
    5,
    { type: "publish", topic: "t", payload: text("x"), qos: 2, retain: false, dup: false, packetId: 1, properties: { subscriptionIdentifiers: [1, 128] } },
    "34 0c 0001 74 0001 05 0b01 0b8001 78",
  ],
  ["PUBACK Success without properties (short form)", 5, { type: "puback", packetId: 10, reasonCode: 0 }, "40 02 000a"],
  ["PUBACK with a reason code and no properties", 5, { type: "puback", packetId: 10, reasonCode: 0x10 }, "40 03 000a 10"],
  [
    "PUBACK with a Reason String",
    5,
    { type: "puback", packetId: 10, reasonCode: 0x80, properties: { reasonString: "no" } },
    "40 09 000a 80 05 1f00026e6f",
  ],
  ["PUBREC", 5, { type: "pubrec", packetId: 10, reasonCode: 0x97 }, "50 03 000a 97"],
  ["PUBREL: Packet Identifier not found", 5, { type: "pubrel", packetId: 10, reasonCode: 0x92 }, "62 03 000a 92"],
  ["PUBCOMP", 5, { type: "pubcomp", packetId: 10, reasonCode: 0 }, "70 02 000a"],
  [
    "SUBSCRIBE with Subscription Options and a Subscription Identifier",
    5,
    {
      type: "subscribe",
      packetId: 1,
      subscriptions: [{ topicFilter: "a", qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
      properties: { subscriptionIdentifiers: [300] },
    },
    "82 0a 0001 03 0bac02 0001 61 2e",
  ],
  ["SUBACK", 5, { type: "suback", packetId: 1, reasonCodes: [0x02, 0xa2] }, "90 05 0001 00 02 a2"],
  ["UNSUBSCRIBE", 5, { type: "unsubscribe", packetId: 2, topicFilters: ["a"] }, "a2 06 0002 00 0001 61"],
  ["UNSUBACK", 5, { type: "unsuback", packetId: 2, reasonCodes: [0x11] }, "b0 04 0002 00 11"],
  ["PINGREQ", 5, { type: "pingreq" }, "c0 00"],
  ["PINGRESP", 5, { type: "pingresp" }, "d0 00"],
  ["DISCONNECT Normal disconnection (Remaining Length 0)", 5, { type: "disconnect", reasonCode: 0 }, "e0 00"],
  ["DISCONNECT with a reason code alone", 5, { type: "disconnect", reasonCode: 0x8e }, "e0 01 8e"],
  [
    "DISCONNECT with a Session Expiry Interval of 0 (present, so encoded)",
    5,
    { type: "disconnect", reasonCode: 0, properties: { sessionExpiryInterval: 0 } },
    "e0 07 00 05 1100000000",
  ],
  [
    "AUTH continue authentication",
    5,
    { type: "auth", reasonCode: 0x18, properties: { authenticationMethod: "SCRAM" } },
    "f0 0a 18 08 15 0005 534352414d",
  ],
  ["AUTH Success without properties (full form)", 5, { type: "auth", reasonCode: 0 }, "f0 02 00 00"],
];

describe("packet vectors", () => {
  it.each(vectors)("MQTT %s (%s) encodes to the spec's bytes and decodes back", (_name, v, packet, h) => {
    expect(hex(encode(packet, v))).toBe(h.replace(/\s+/g, ""));
    expect(decodePacket(bytes(h), v)).toEqual(packet);
  });

  it.each([
    ["PUBACK with reason code and an empty Property Length", "40 04 000a 00 00", { type: "puback", packetId: 10, reasonCode: 0 }],
    ["DISCONNECT with reason code and an empty Property Length", "e0 02 00 00", { type: "disconnect", reasonCode: 0 }],
    ["AUTH with Remaining Length 0 (3.15.2.1)", "f0 00", { type: "auth", reasonCode: 0 }],
    ["SUBACK with an empty Property Length", "90 04 0001 00 01", { type: "suback", packetId: 1, reasonCodes: [1] }],
  ] as [string, string, Packet][])("MQTT 5 decodes the longer valid form of %s", (_name, h, packet) => {
    expect(decodePacket(bytes(h), 5)).toEqual(packet);
  });

  it("3.1.1 ignores reason codes and properties of acknowledgements when encoding", () => {
    expect(hex(encode({ type: "puback", packetId: 10, reasonCode: 0x80, properties: { reasonString: "x" } }, 4))).toBe("4002000a");
    expect(hex(encode({ type: "unsuback", packetId: 2, reasonCodes: [0x11] }, 4))).toBe("b0020002");
    expect(hex(encode({ type: "disconnect", reasonCode: 0x8e }, 4))).toBe("e000");
  });

  it("decodes each Topic Name right when recent names are reused or share a length and last byte", () => {
    const topics = ["a/b", "x/b", "a/b", "é/b", "a/b", "ab/b", "x/b", "a/b"];
    for (const topic of topics) {
      for (const v of [4, 5] as const) {
        const packet: Packet = { type: "publish", topic, payload: new Uint8Array(0), qos: 0, retain: false, dup: false };
        expect(decodePacket(encode(packet, v), v)).toEqual(packet);
      }
    }
  });

  it("decoded PUBLISH payloads are views of the chunk, not copies", () => {
    const wire = encode({ type: "publish", topic: "t", payload: text("abc"), qos: 0, retain: false, dup: false }, 4);
    const packet = decodePacket(wire, 4);
    expect(packet.type === "publish" && packet.payload.buffer).toBe(wire.buffer);
  });

  it("a 2 MB PUBLISH payload round-trips with a 4-byte Remaining Length", () => {
    const payload = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    const wire = encode({ type: "publish", topic: "big", payload, qos: 0, retain: false, dup: false }, 5);
    expect(wire[1] & 0x80 && wire[2] & 0x80 && wire[3] & 0x80).toBeTruthy();
    expect(wire[4] & 0x80).toBe(0);
    const packet = decodePacket(wire, 5);
    expect(packet.type).toBe("publish");
    // Compared natively: a deep equality over 2 M elements would take seconds.
    expect(packet.type === "publish" && Buffer.compare(packet.payload, payload)).toBe(0);
  });
});
