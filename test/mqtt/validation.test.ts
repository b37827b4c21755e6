// Every validation rule of the codec: the error is a ProtocolError with the right code and the section of
// the spec (of the packet's protocol version) that the bytes or the packet violate.
import { describe, expect, it } from "vitest";
import { PacketDecoder, decodePacket } from "../../firmware/mqtt/codec/decode.js";
import { encode } from "../../firmware/mqtt/codec/encode.js";
import { ProtocolError, type ProtocolErrorCode } from "../../firmware/mqtt/codec/protocol-error.js";
import type { Packet, ProtocolVersion } from "../../firmware/mqtt/codec/packets.js";
import { thrown } from "../support/thrown.js";

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));

function expectError(f: () => unknown, code: ProtocolErrorCode, section: string): void {
  const error = thrown(f, ProtocolError);
  expect({ code: error.code, section: error.section }).toEqual({ code, section });
}

type DecodeCase = [name: string, v: ProtocolVersion, hex: string, code: ProtocolErrorCode, section: string];

const decodeCases: DecodeCase[] = [
  // Fixed header
  ["Remaining Length longer than 4 bytes", 4, "30 ff ff ff ff 01", "malformed-packet", "2.2.3"],
  ["Remaining Length longer than 4 bytes", 5, "30 ff ff ff ff 01", "malformed-packet", "2.1.4"],
  ["a Remaining Length in more bytes than needed", 4, "c0 80 00", "malformed-packet", "2.2.3"],
  ["a Remaining Length in more bytes than needed", 5, "40 82 80 00 000a", "malformed-packet", "2.1.4"],
  ["reserved flag bits set in PUBACK", 4, "41 02 000a", "malformed-packet", "2.2.2"],
  ["reserved flag bits set in PUBACK", 5, "41 02 000a", "malformed-packet", "2.1.3"],
  ["PUBREL without its required flags 0010", 5, "60 02 000a", "malformed-packet", "2.1.3"],
  ["SUBSCRIBE with flags 0000", 4, "80 06 0001 0001 61 00", "malformed-packet", "2.2.2"],
  ["PINGREQ with a flag bit set", 4, "c1 00", "malformed-packet", "2.2.2"],
  ["reserved packet type 0", 5, "00 00", "malformed-packet", "2.1.2"],
  ["AUTH in MQTT 3.1.1", 4, "f0 00", "malformed-packet", "2.2.1"],
  ["PUBLISH with QoS 3", 4, "36 05 0001 74 0001", "malformed-packet", "3.3.1.2"],
  ["a truncated packet", 4, "30 05 0001 74", "malformed-packet", "2.2.3"],
  ["bytes after the packet", 5, "c0 00 c0", "malformed-packet", "2.1.4"],
  // Packet Identifier
  ["PUBLISH QoS 1 with Packet Identifier 0", 4, "32 05 0001 74 0000", "protocol-error", "2.3.1"],
  ["PUBLISH QoS 2 with Packet Identifier 0", 5, "34 06 0001 74 0000 00", "protocol-error", "2.2.1"],
  ["PUBACK with Packet Identifier 0", 4, "40 02 0000", "protocol-error", "2.3.1"],
  ["SUBSCRIBE with Packet Identifier 0", 4, "82 06 0000 0001 61 00", "protocol-error", "2.3.1"],
  ["UNSUBSCRIBE with Packet Identifier 0", 5, "a2 06 0000 00 0001 61", "protocol-error", "2.2.1"],
  ["SUBACK with Packet Identifier 0", 4, "90 03 0000 00", "protocol-error", "2.3.1"],
  // Topic Names
  ["a '+' wildcard in a PUBLISH Topic Name", 4, "30 05 0003 612f2b", "protocol-error", "3.3.2.1"],
  ["a '#' wildcard in a PUBLISH Topic Name", 5, "30 06 0003 612f23 00", "protocol-error", "3.3.2.1"],
  ["an empty PUBLISH Topic Name", 4, "30 02 0000", "protocol-error", "4.7.3"],
  ["an empty Topic Name without a Topic Alias", 5, "30 03 0000 00", "protocol-error", "3.3.2.3.4"],
  ["DUP set on a QoS 0 PUBLISH", 4, "38 03 0001 74", "protocol-error", "3.3.1.1"],
  // UTF-8 strings (3.1.1 numbers the rule 1.5.3, 5.0 1.5.4)
  ["an overlong UTF-8 encoding", 4, "30 04 0002 c080", "malformed-packet", "1.5.3"],
  ["an overlong UTF-8 encoding", 5, "30 05 0002 c080 00", "malformed-packet", "1.5.4"],
  ["an encoded surrogate (U+D800)", 5, "30 06 0003 eda080 00", "malformed-packet", "1.5.4"],
  ["a truncated UTF-8 sequence", 5, "30 05 0002 e282 00", "malformed-packet", "1.5.4"],
  ["a code point above U+10FFFF", 5, "30 07 0004 f4908080 00", "malformed-packet", "1.5.4"],
  ["a byte that never occurs in UTF-8", 4, "30 03 0001 ff", "malformed-packet", "1.5.3"],
  ["U+0000 in a Topic Name", 4, "30 05 0003 610062", "malformed-packet", "1.5.3"],
  ["U+0000 in a User Property", 5, "40 0b 000a 00 07 26 0001 61 0001 00", "malformed-packet", "1.5.4"],
  // Properties
  ["a Property Length past the end of the packet", 5, "40 05 000a 00 05 1f", "malformed-packet", "3.4"],
  ["a string running past the Property Length", 5, "40 0a 000a 00 03 1f0005 616263", "malformed-packet", "3.4"],
  ["an unknown property identifier", 5, "40 06 000a 00 02 0500", "malformed-packet", "2.2.2.2"],
  ["a duplicate Session Expiry Interval", 5, "20 0d 00 00 0a 1100000001 1100000002", "protocol-error", "2.2.2.2"],
  ["a duplicate Reason String", 5, "40 0c 000a 80 08 1f000161 1f000162", "protocol-error", "2.2.2.2"],
  ["two Subscription Identifiers in SUBSCRIBE", 5, "82 0b 0001 04 0b01 0b02 0001 61 00", "protocol-error", "3.8.2.1.2"],
  ["a Topic Alias in PUBACK (not allowed there)", 5, "40 07 000a 00 03 230001", "protocol-error", "2.2.2.2"],
  ["a Session Expiry Interval among Will Properties", 5, "10 19 0004 4d515454 05 06 003c 00 0001 63 05 1100000001 0001 77 0000", "protocol-error", "2.2.2.2"],
  ["Maximum QoS 2", 5, "20 05 00 00 02 2402", "protocol-error", "2.2.2.2"],
  ["Receive Maximum 0", 5, "20 06 00 00 03 210000", "protocol-error", "2.2.2.2"],
  ["Topic Alias 0", 5, "30 07 0001 74 03 230000", "protocol-error", "2.2.2.2"],
  ["Subscription Identifier 0", 5, "30 06 0001 74 02 0b00", "protocol-error", "2.2.2.2"],
  ["Payload Format Indicator 2", 5, "30 06 0001 74 02 0102", "protocol-error", "2.2.2.2"],
  ["a wildcard in a Response Topic", 5, "30 09 0001 74 05 0800022f23", "protocol-error", "3.3.2.3.5"],
  ["a Property Length in more bytes than needed", 5, "40 05 000a 00 8000", "malformed-packet", "1.5.5"],
  ["a Subscription Identifier longer than 4 bytes", 5, "30 0a 0001 74 06 0bffffffff01", "malformed-packet", "1.5.5"],
  // Truncated fields and trailing bytes
  ["a Topic Name longer than the packet", 4, "30 05 0005 616263", "malformed-packet", "3.3"],
  ["a PUBACK cut after one byte of its Packet Identifier", 4, "40 01 00", "malformed-packet", "3.4"],
  ["a CONNECT cut inside its Client Identifier", 4, "10 0e 0004 4d515454 04 02 003c 0004 6465", "malformed-packet", "3.1"],
  ["a PINGREQ with a body", 4, "c0 01 00", "malformed-packet", "3.12"],
  ["a 3.1.1 PUBACK with a reason code", 4, "40 03 000a 00", "malformed-packet", "3.4"],
  ["a 3.1.1 UNSUBACK with a reason code", 4, "b0 03 0002 00", "malformed-packet", "3.11"],
  ["a CONNACK with a byte after its properties", 5, "20 04 00 00 00 00", "malformed-packet", "3.2"],
  ["a CONNECT with a byte after the password", 4, "10 14 0004 4d515454 04 c2 003c 0001 63 0001 75 0001 70 00", "malformed-packet", "3.1"],
  ["an AUTH reason code without Property Length", 5, "f0 01 18", "malformed-packet", "3.15"],
  // CONNECT
  ["Protocol Name MQIsdp (MQTT 3.1)", 4, "10 0f 0006 4d5149736470 03 02 003c 0001 63", "protocol-error", "3.1.2.1"],
  ["Protocol Level 3", 4, "10 0d 0004 4d515454 03 02 003c 0001 63", "protocol-error", "3.1.2.2"],
  ["Protocol Level 5 on a 3.1.1 connection", 4, "10 0e 0004 4d515454 05 02 003c 00 0001 63", "protocol-error", "3.1.2.2"],
  ["the reserved Connect Flag set", 4, "10 0d 0004 4d515454 04 03 003c 0001 63", "malformed-packet", "3.1.2.3"],
  ["Will QoS 3", 4, "10 12 0004 4d515454 04 1e 003c 0001 63 0001 77 0000", "malformed-packet", "3.1.2.6"],
  ["Will QoS without a Will", 4, "10 0d 0004 4d515454 04 0a 003c 0001 63", "malformed-packet", "3.1.2.6"],
  ["Will Retain without a Will", 5, "10 0e 0004 4d515454 05 22 003c 00 0001 63", "malformed-packet", "3.1.2.7"],
  ["a 3.1.1 password without a user name", 4, "10 10 0004 4d515454 04 42 003c 0001 63 0001 70", "malformed-packet", "3.1.2.9"],
  // CONNACK
  ["reserved Connect Acknowledge Flags", 4, "20 02 02 00", "malformed-packet", "3.2.2.1"],
  ["Session Present with a refusal", 4, "20 02 01 05", "protocol-error", "3.2.2.2"],
  ["Session Present with a refusal", 5, "20 03 01 87 00", "protocol-error", "3.2.2.1.1"],
  ["Connect Return code 6", 4, "20 02 00 06", "protocol-error", "3.2.2.3"],
  ["Connect Reason Code 0x01", 5, "20 03 00 01 00", "protocol-error", "3.2.2.2"],
  // SUBSCRIBE family
  ["a SUBSCRIBE without subscriptions", 4, "82 02 0001", "protocol-error", "3.8.3"],
  ["reserved bits in a 3.1.1 Requested QoS byte", 4, "82 06 0001 0001 61 04", "malformed-packet", "3.8.3"],
  ["Requested QoS 3", 4, "82 06 0001 0001 61 03", "malformed-packet", "3.8.3"],
  ["reserved Subscription Options bits", 5, "82 07 0001 00 0001 61 40", "malformed-packet", "3.8.3.1"],
  ["Retain Handling 3", 5, "82 07 0001 00 0001 61 30", "protocol-error", "3.8.3.1"],
  ["'#' not at the end of a Topic Filter", 4, "82 08 0001 0003 232f61 00", "protocol-error", "4.7.1.2"],
  ["'+' sharing a level", 4, "82 07 0001 0002 612b 00", "protocol-error", "4.7.1.3"],
  ["an empty Topic Filter", 4, "82 05 0001 0000 00", "protocol-error", "4.7.3"],
  ["a Shared Subscription with an empty ShareName", 5, "82 0e 0001 00 0008 2473686172652f2f 00", "protocol-error", "4.8.2"],
  ["a Shared Subscription with a wildcard ShareName", 5, "82 10 0001 00 000a 2473686172652f2b2f61 00", "protocol-error", "4.8.2"],
  ["a Shared Subscription without a filter", 5, "82 0f 0001 00 0009 2473686172652f672f 00", "protocol-error", "4.8.2"],
  ["No Local on a Shared Subscription", 5, "82 10 0001 00 000a 2473686172652f672f61 04", "protocol-error", "3.8.3.1"],
  ["a SUBACK return code 0x03", 4, "90 03 0001 03", "protocol-error", "3.9.3"],
  ["a SUBACK without return codes", 4, "90 02 0001", "protocol-error", "3.9.3"],
  ["an UNSUBSCRIBE without Topic Filters", 4, "a2 02 0001", "protocol-error", "3.10.3"],
  ["an UNSUBACK without reason codes", 5, "b0 03 0001 00", "protocol-error", "3.11.3"],
  // Reason codes
  ["PUBACK reason code 0x05", 5, "40 03 000a 05", "protocol-error", "3.4.2.1"],
  ["PUBREL reason code 0x80", 5, "62 03 000a 80", "protocol-error", "3.6.2.1"],
  ["UNSUBACK reason code 0x02", 5, "b0 04 0001 00 02", "protocol-error", "3.11.3"],
  ["DISCONNECT reason code 0x01", 5, "e0 01 01", "protocol-error", "3.14.2.1"],
  ["AUTH reason code 0x01", 5, "f0 02 01 00", "protocol-error", "3.15.2.1"],
];

describe("decoding rejects", () => {
  it.each(decodeCases)("%s (MQTT %s)", (_name, v, h, code, section) => {
    expectError(() => decodePacket(bytes(h), v), code, section);
  });

  it.each(decodeCases.filter(([name]) => !name.includes("truncated packet") && !name.includes("bytes after the packet")))(
    "%s (MQTT %s) in the streaming decoder too, fed one byte at a time",
    (_name, v, h, code, section) => {
      const decoder = new PacketDecoder({ protocolVersion: v });
      const wire = bytes(h);
      expectError(() => wire.forEach((b) => decoder.push(Uint8Array.of(b), () => {})), code, section);
    },
  );

  it("accepts a Shared Subscription in 5.0, and the same filter as an ordinary one in 3.1.1", () => {
    const shared: Packet = { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "$share/g/a/#", qos: 1 }] };
    expect(decodePacket(encode(shared, 5), 5)).toEqual(shared);
    const plain: Packet = { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "$share//a", qos: 1 }] };
    expect(decodePacket(encode(plain, 4), 4)).toEqual(plain);
  });

  it("accepts several Subscription Identifiers in PUBLISH (3.3.2.3.8)", () => {
    expect(decodePacket(bytes("30 08 0001 74 04 0b01 0b02"), 5)).toMatchObject({ properties: { subscriptionIdentifiers: [1, 2] } });
  });
});

describe("the streaming decoder", () => {
  const publish = (n: number): Packet => ({ type: "publish", topic: "t", payload: new Uint8Array(n), qos: 0, retain: false, dup: false });

  it("refuses a packet over maximumPacketSize from its fixed header, before any body arrives", () => {
    const decoder = new PacketDecoder({ protocolVersion: 5, maximumPacketSize: 100 });
    expectError(() => decoder.push(bytes("30 ff ff ff 7f"), () => {}), "packet-too-large", "3.1.2.11.4");
    const v4 = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: 100 });
    expectError(() => v4.push(bytes("30 ff 7f"), () => {}), "packet-too-large", "2.2.3");
  });

  it("counts the whole packet against maximumPacketSize", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4, maximumPacketSize: 100 });
    const fits = encode(publish(95), 4); // 2 + 3 + 95 = 100 bytes
    expect(fits.length).toBe(100);
    const packets: Packet[] = [];
    decoder.push(fits, (p) => packets.push(p));
    expect(packets).toHaveLength(1);
    expectError(() => decoder.push(encode(publish(96), 4), () => {}), "packet-too-large", "2.2.3");
  });

  it("does not allocate from a header announcing 256 MB", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4 }); // default limit: the largest MQTT packet
    const before = process.memoryUsage().arrayBuffers;
    decoder.push(bytes("30 ff ff ff 7f 0001 74 6869"), () => {});
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(1024 * 1024);
  });

  it("grows a split packet's buffer with the bytes that arrive, not with the announced length", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4 });
    const before = process.memoryUsage().arrayBuffers;
    decoder.push(bytes("30 ff ff ff 7f 0001 74"), () => {});
    for (let i = 0; i < 16; i++) decoder.push(new Uint8Array(64 * 1024), () => {}); // 1 MB of 256 MB
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  it("delivers the packets before a bad one, then throws", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4 });
    const delivered: Packet[] = [];
    const stream = new Uint8Array([...encode({ type: "pingresp" }, 4), ...encode({ type: "puback", packetId: 3 }, 4), ...bytes("41 02 000a")]);
    expectError(() => decoder.push(stream, (p) => delivered.push(p)), "malformed-packet", "2.2.2");
    expect(delivered).toEqual([{ type: "pingresp" }, { type: "puback", packetId: 3 }]);
  });

  it("on the server side, refuses anything but CONNECT first", () => {
    const decoder = new PacketDecoder();
    expectError(() => decoder.push(bytes("c0 00"), () => {}), "protocol-error", "3.1");
  });

  it("on the server side, takes the protocol version from CONNECT and forgets it on reset()", () => {
    const decoder = new PacketDecoder();
    const connect: Packet = { type: "connect", protocolVersion: 5, clientId: "c", cleanStart: true, keepAlive: 0 };
    decoder.push(encode(connect, 5), () => {});
    expect(decoder.protocolVersion).toBe(5);
    decoder.reset();
    expect(decoder.protocolVersion).toBeUndefined();
  });

  it("drops a partial packet on reset()", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4 });
    const packets: Packet[] = [];
    decoder.push(bytes("30 05 0001"), () => {});
    decoder.reset();
    decoder.push(bytes("c0 00"), (p) => packets.push(p));
    expect(packets).toEqual([{ type: "pingreq" }]);
  });

  it("keeps no view of a chunk it was given: a split packet's payload survives the caller reusing its buffer", () => {
    const decoder = new PacketDecoder({ protocolVersion: 4 });
    const wire = encode({ type: "publish", topic: "t", payload: Uint8Array.of(1, 2, 3, 4), qos: 0, retain: false, dup: false }, 4);
    expect(wire.length).toBe(9);
    const chunk = new Uint8Array(5);
    const packets: Packet[] = [];
    chunk.set(wire.subarray(0, 5));
    decoder.push(chunk, (p) => packets.push(p));
    chunk.set(wire.subarray(5, 9));
    decoder.push(chunk.subarray(0, 4), (p) => packets.push(p));
    chunk.fill(0xee);
    expect(packets).toEqual([{ type: "publish", topic: "t", payload: Uint8Array.of(1, 2, 3, 4), qos: 0, retain: false, dup: false }]);
  });
});

type EncodeCase = [name: string, v: ProtocolVersion, packet: Packet, code: ProtocolErrorCode, section: string];

const long = "x".repeat(65536);
const pub = (extra: Partial<Packet & { type: "publish" }>): Packet => ({
  type: "publish",
  topic: "t",
  payload: new Uint8Array(0),
  qos: 0,
  retain: false,
  dup: false,
  ...extra,
});

const encodeCases: EncodeCase[] = [
  ["Packet Identifier 0 on a QoS 1 PUBLISH", 4, pub({ qos: 1, packetId: 0 }), "protocol-error", "2.3.1"],
  ["no Packet Identifier on a QoS 2 PUBLISH", 5, pub({ qos: 2 }), "protocol-error", "2.2.1"],
  ["Packet Identifier 65536", 4, { type: "puback", packetId: 65536 }, "protocol-error", "2.3.1"],
  ["Packet Identifier 0 on SUBSCRIBE", 5, { type: "subscribe", packetId: 0, subscriptions: [{ topicFilter: "a", qos: 0 }] }, "protocol-error", "2.2.1"],
  ["QoS 3", 4, pub({ qos: 3 as 0 }), "malformed-packet", "3.3.1.2"],
  ["DUP on QoS 0", 4, pub({ dup: true }), "protocol-error", "3.3.1.1"],
  ["a wildcard in a PUBLISH Topic Name", 4, pub({ topic: "a/+" }), "protocol-error", "3.3.2.1"],
  ["an empty Topic Name", 4, pub({ topic: "" }), "protocol-error", "4.7.3"],
  ["an empty Topic Name without a Topic Alias", 5, pub({ topic: "" }), "protocol-error", "3.3.2.3.4"],
  ["a Topic Name over 65535 bytes", 4, pub({ topic: long }), "protocol-error", "4.7.3"],
  ["U+0000 in a Topic Name", 5, pub({ topic: "a\u0000" }), "malformed-packet", "1.5.4"],
  ["a lone surrogate in a Client Identifier", 4, { type: "connect", protocolVersion: 4, clientId: "\ud800", cleanStart: true, keepAlive: 0 }, "malformed-packet", "1.5.3"],
  ["a Client Identifier over 65535 bytes", 5, { type: "connect", protocolVersion: 5, clientId: long, cleanStart: true, keepAlive: 0 }, "malformed-packet", "1.5.4"],
  ["a User Property over 65535 bytes", 5, { type: "disconnect", properties: { userProperties: [["k", long]] } }, "protocol-error", "2.2.2.2"],
  ["a Topic Alias in CONNECT", 5, { type: "connect", protocolVersion: 5, clientId: "c", cleanStart: true, keepAlive: 0, properties: { topicAlias: 1 } }, "protocol-error", "2.2.2.2"],
  ["a Will Delay Interval in PUBLISH", 5, pub({ properties: { willDelayInterval: 1 } }), "protocol-error", "2.2.2.2"],
  ["a Reason String in PUBLISH", 5, pub({ properties: { reasonString: "r" } }), "protocol-error", "2.2.2.2"],
  ["Receive Maximum 0", 5, { type: "connect", protocolVersion: 5, clientId: "c", cleanStart: true, keepAlive: 0, properties: { receiveMaximum: 0 } }, "protocol-error", "2.2.2.2"],
  ["Maximum QoS 2", 5, { type: "connack", sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 2 } }, "protocol-error", "2.2.2.2"],
  ["a Message Expiry Interval of 2^32", 5, pub({ properties: { messageExpiryInterval: 2 ** 32 } }), "protocol-error", "2.2.2.2"],
  ["Subscription Identifier 2^28", 5, pub({ properties: { subscriptionIdentifiers: [2 ** 28] } }), "protocol-error", "2.2.2.2"],
  [
    "two Subscription Identifiers in SUBSCRIBE",
    5,
    { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "a", qos: 0 }], properties: { subscriptionIdentifiers: [1, 2] } },
    "protocol-error",
    "3.8.2.1.2",
  ],
  ["a wildcard in a Response Topic", 5, pub({ properties: { responseTopic: "a/#" } }), "protocol-error", "3.3.2.3.5"],
  ["PUBACK reason code 0x05", 5, { type: "puback", packetId: 1, reasonCode: 5 }, "protocol-error", "3.4.2.1"],
  ["SUBACK return code 0x87 in 3.1.1", 4, { type: "suback", packetId: 1, reasonCodes: [0x87] }, "protocol-error", "3.9.3"],
  ["CONNACK Session Present with a refusal", 4, { type: "connack", sessionPresent: true, reasonCode: 5 }, "protocol-error", "3.2.2.2"],
  ["a SUBSCRIBE without subscriptions", 4, { type: "subscribe", packetId: 1, subscriptions: [] }, "protocol-error", "3.8.3"],
  ["No Local on a Shared Subscription", 5, { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "$share/g/a", qos: 0, noLocal: true }] }, "protocol-error", "3.8.3.1"],
  ["a Shared Subscription without a ShareName", 5, { type: "unsubscribe", packetId: 1, topicFilters: ["$share//a"] }, "protocol-error", "4.8.2"],
  ["Requested QoS 3", 5, { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "a", qos: 3 as 0 }] }, "malformed-packet", "3.8.3.1"],
  ["Retain Handling 3", 5, { type: "subscribe", packetId: 1, subscriptions: [{ topicFilter: "a", qos: 0, retainHandling: 3 as 0 }] }, "protocol-error", "3.8.3.1"],
  ["an invalid Topic Filter", 4, { type: "unsubscribe", packetId: 1, topicFilters: ["a/#/b"] }, "protocol-error", "4.7.1.2"],
  ["an UNSUBSCRIBE without Topic Filters", 4, { type: "unsubscribe", packetId: 1, topicFilters: [] }, "protocol-error", "3.10.3"],
  ["Will QoS 3", 4, { type: "connect", protocolVersion: 4, clientId: "c", cleanStart: true, keepAlive: 0, will: { topic: "w", payload: new Uint8Array(0), qos: 3 as 0, retain: false } }, "malformed-packet", "3.1.2.6"],
  ["a wildcard in a Will Topic", 4, { type: "connect", protocolVersion: 4, clientId: "c", cleanStart: true, keepAlive: 0, will: { topic: "w/#", payload: new Uint8Array(0), qos: 0, retain: false } }, "protocol-error", "4.7.1.1"],
  ["a CONNECT for the other protocol version", 5, { type: "connect", protocolVersion: 4, clientId: "c", cleanStart: true, keepAlive: 0 }, "protocol-error", "3.1.2.2"],
  ["an empty Client Identifier without Clean Session", 4, { type: "connect", protocolVersion: 4, clientId: "", cleanStart: false, keepAlive: 0 }, "protocol-error", "3.1.3.1"],
  ["a 3.1.1 password without a user name", 4, { type: "connect", protocolVersion: 4, clientId: "c", cleanStart: true, keepAlive: 0, password: new Uint8Array(1) }, "protocol-error", "3.1.2.9"],
  ["Keep Alive 65536", 4, { type: "connect", protocolVersion: 4, clientId: "c", cleanStart: true, keepAlive: 65536 }, "protocol-error", "3.1.2.10"],
  ["AUTH in 3.1.1", 4, { type: "auth", reasonCode: 0 }, "malformed-packet", "2.2.1"],
];

describe("encoding refuses", () => {
  it.each(encodeCases)("%s (MQTT %s)", (_name, v, packet, code, section) => {
    expectError(() => encode(packet, v), code, section);
  });

  it("a 5.0 password without a user name is allowed (3.1.2.9)", () => {
    const packet: Packet = { type: "connect", protocolVersion: 5, clientId: "c", cleanStart: true, keepAlive: 0, password: Uint8Array.of(7) };
    expect(decodePacket(encode(packet, 5), 5)).toEqual(packet);
  });
});
