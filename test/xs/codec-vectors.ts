// MQTT packets covering every packet type, both protocol levels, the optional fields and the
// length forms (Remaining Length of 1..3 bytes), for comparing the codec in XS with the codec under Node.
import type { Packet } from "../../firmware/mqtt/codec/packets.js";

const bytes = (...values: number[]) => new Uint8Array(values);
const filled = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);

/** Valid at both protocol levels (5.0-only fields are left out). */
export const commonPackets: Packet[] = [
  { type: "connect", protocolVersion: 4, clientId: "wearable-001", cleanStart: true, keepAlive: 60 },
  {
    type: "connect",
    protocolVersion: 4,
    clientId: "",
    cleanStart: true,
    keepAlive: 0,
    username: "nurse",
    password: bytes(0, 1, 2, 255),
    will: { topic: "ward/7/bed/3/status", payload: bytes(0x6f, 0x66, 0x66), qos: 1, retain: true },
  },
  { type: "connack", sessionPresent: false, reasonCode: 0 },
  { type: "connack", sessionPresent: true, reasonCode: 0 },
  { type: "publish", topic: "t", payload: new Uint8Array(0), qos: 0, retain: false, dup: false },
  { type: "publish", topic: "devices/wearable-001/hr", payload: filled(100), qos: 1, retain: false, dup: false, packetId: 1 },
  { type: "publish", topic: "päivä/温度/🌡", payload: filled(200), qos: 2, retain: true, dup: true, packetId: 65535 },
  { type: "publish", topic: "bulk", payload: filled(20_000), qos: 1, retain: false, dup: false, packetId: 300 },
  { type: "puback", packetId: 1 },
  { type: "pubrec", packetId: 2 },
  { type: "pubrel", packetId: 3 },
  { type: "pubcomp", packetId: 65535 },
  {
    type: "subscribe",
    packetId: 10,
    subscriptions: [
      { topicFilter: "devices/+/cmd", qos: 1 },
      { topicFilter: "config/#", qos: 0 },
    ],
  },
  { type: "suback", packetId: 10, reasonCodes: [1, 0, 0x80] },
  { type: "unsubscribe", packetId: 11, topicFilters: ["devices/+/cmd", "config/#"] },
  { type: "pingreq" },
  { type: "pingresp" },
  { type: "disconnect" },
];

/** 5.0 only: reason codes and properties. */
export const v5Packets: Packet[] = [
  {
    type: "connect",
    protocolVersion: 5,
    clientId: "wearable-001",
    cleanStart: false,
    keepAlive: 30,
    properties: { sessionExpiryInterval: 3600, receiveMaximum: 20, maximumPacketSize: 8192, topicAliasMaximum: 4, userProperties: [["fw", "1.0"], ["fw", "again"]] },
    will: { topic: "w", payload: bytes(1), qos: 0, retain: false, properties: { willDelayInterval: 5, contentType: "text/plain" } },
  },
  { type: "connack", sessionPresent: false, reasonCode: 0x87, properties: { reasonString: "not authorized" } },
  {
    type: "connack",
    sessionPresent: false,
    reasonCode: 0,
    properties: { serverKeepAlive: 20, receiveMaximum: 10, maximumQoS: 1, retainAvailable: 0, assignedClientIdentifier: "auto-1", topicAliasMaximum: 8 },
  },
  {
    type: "publish",
    topic: "devices/wearable-001/senml",
    payload: filled(64),
    qos: 1,
    retain: false,
    dup: false,
    packetId: 7,
    properties: { payloadFormatIndicator: 0, contentType: "application/senml+cbor", messageExpiryInterval: 600, topicAlias: 2, correlationData: bytes(9, 9), responseTopic: "r/1" },
  },
  { type: "publish", topic: "", payload: bytes(1), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } },
  { type: "puback", packetId: 7, reasonCode: 0x10 },
  { type: "puback", packetId: 8, reasonCode: 0x97, properties: { reasonString: "quota" } },
  { type: "pubrec", packetId: 9, reasonCode: 0 },
  { type: "pubrel", packetId: 9, reasonCode: 0x92 },
  {
    type: "subscribe",
    packetId: 12,
    subscriptions: [{ topicFilter: "a/b", qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
    properties: { subscriptionIdentifiers: [42] },
  },
  { type: "suback", packetId: 12, reasonCodes: [2, 0x87], properties: { reasonString: "partial" } },
  { type: "unsuback", packetId: 13, reasonCodes: [0, 0x11] },
  { type: "disconnect", reasonCode: 0x8d, properties: { reasonString: "keep alive timeout" } },
  { type: "auth", reasonCode: 0x18, properties: { authenticationMethod: "SCRAM", authenticationData: bytes(1, 2, 3) } },
];

/** 3.1.1 UNSUBACK has no reason codes. */
export const v4Packets: Packet[] = [{ type: "unsuback", packetId: 13 }];

/** Byte sequences each decoder must refuse, with the same error at both ends. */
export const malformedFrames: number[][] = [
  [0x00, 0x00], // packet type 0 is reserved
  [0x32, 0x00], // PUBLISH QoS 1 without even a topic length
  [0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], // PUBLISH QoS 3
  [0x30, 0x04, 0x00, 0x02, 0x61, 0x00], // topic contains U+0000
  [0x30, 0x04, 0x00, 0x02, 0xc3, 0x28], // topic is not UTF-8
  [0x30, 0x04, 0x00, 0x02, 0x61, 0x2b], // topic name with a wildcard
  [0x40, 0x02, 0x00, 0x00], // PUBACK with packet id 0
  [0x62, 0x02, 0x00], // truncated PUBREL
  [0xc0, 0x01, 0x00], // PINGREQ with a body
  [0xd1, 0x00], // PINGRESP with flags set
  [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], // Remaining Length of 5 bytes
  [0x20, 0x02, 0x02, 0x00], // CONNACK with reserved flag bits
];
