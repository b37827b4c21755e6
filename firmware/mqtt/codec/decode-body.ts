// The variable header and payload of one packet -> a Packet. The fixed header's first byte has passed
// checkFirstByte; `bytes[start, end)` is exactly its Remaining Length. Binary fields and the PUBLISH
// payload are views of `bytes`, not copies. Absent optional fields are left out of the result (no
// `undefined` keys), and `properties` only appears when the packet carried at least one.
import { malformed, protocolError } from "./protocol-error.js";
import {
  AUTH,
  CONNACK,
  CONNECT,
  DISCONNECT,
  PINGREQ,
  PINGRESP,
  PUBACK,
  PUBCOMP,
  PUBLISH,
  PUBREC,
  PUBREL,
  SUBACK,
  SUBSCRIBE,
  UNSUBACK,
  UNSUBSCRIBE,
} from "./fixed-header.js";
import type {
  Auth,
  Connack,
  Connect,
  Disconnect,
  Packet,
  ProtocolVersion,
  Publish,
  PublishResponse,
  QoS,
  Suback,
  Subscribe,
  Subscription,
  Unsuback,
  Unsubscribe,
  Will,
} from "./packets.js";
import { WILL, readProperties } from "./properties.js";
import { Reader } from "./reader.js";
import { checkReasonCode } from "./reason-codes.js";
import { type Sections, sectionsFor } from "./sections.js";
import { checkSharedSubscription, rejectWildcards, validateTopicFilter, validateTopicName } from "./topics.js";
import { decodeUtf8 } from "../common/utf8.js";

/** Section of each packet type's chapter, cited for truncated fields and trailing bytes. */
const PACKET_SECTIONS = ["2.1.2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];

const ACK_TYPES = ["", "", "", "", "puback", "pubrec", "pubrel", "pubcomp"] as const;

// Decoding is synchronous and runs no caller code, so one cursor serves every decoder.
const r = new Reader();

/**
 * Decodes one packet body. `protocolVersion` may be undefined only for CONNECT, which carries its own
 * (then it must equal the version if one is given).
 */
export function decodeBody(first: number, bytes: Uint8Array, start: number, end: number, protocolVersion: ProtocolVersion | undefined): Packet {
  const type = first >> 4;
  const s = sectionsFor(protocolVersion);
  r.reset(bytes, start, end, PACKET_SECTIONS[type], s.utf8);
  try {
    if (type === CONNECT) return decodeConnect(protocolVersion);
    const v = protocolVersion as ProtocolVersion;
    switch (type) {
      case PUBLISH:
        return decodePublish(first, v, s);
      case PUBACK:
      case PUBREC:
      case PUBREL:
      case PUBCOMP:
        return decodePublishResponse(type, v, s);
      case CONNACK:
        return decodeConnack(v);
      case SUBSCRIBE:
        return decodeSubscribe(v, s);
      case SUBACK:
        return decodeSuback(v, s);
      case UNSUBSCRIBE:
        return decodeUnsubscribe(v, s);
      case UNSUBACK:
        return decodeUnsuback(v, s);
      case PINGREQ:
        r.expectEnd();
        return { type: "pingreq" };
      case PINGRESP:
        r.expectEnd();
        return { type: "pingresp" };
      case DISCONNECT:
        return decodeDisconnect(v);
      case AUTH:
        return decodeAuth();
      default:
        throw malformed(s.packetType, `packet type ${type} is reserved`);
    }
  } finally {
    r.release();
  }
}

function packetId(s: Sections): number {
  const id = r.u16("Packet Identifier");
  if (id === 0) throw protocolError(s.packetId, "Packet Identifier must not be 0");
  return id;
}

// Recently decoded ASCII Topic Names, by length and last byte. A device sees the same few topics over and
// over, and comparing a few dozen bytes with a string costs far less than building (and later collecting)
// a new string. Only ASCII names are kept, so a name's bytes are its character codes.
const TOPIC_CACHE_SLOTS = 4; // a power of two
const TOPIC_CACHE_MAX_BYTES = 64;
const cachedTopics: string[] = new Array<string>(TOPIC_CACHE_SLOTS).fill("");

function readTopicName(): string {
  const start = r.field("Topic Name");
  const end = r.pos;
  const n = end - start;
  const b = r.bytes;
  if (n === 0 || n > TOPIC_CACHE_MAX_BYTES) return decodeUtf8(b, start, end, r.utf8Section);
  const slot = (n + b[end - 1]) & (TOPIC_CACHE_SLOTS - 1);
  const cached = cachedTopics[slot];
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === b[start + i]) i++;
    if (i === n) return cached;
  }
  const topic = decodeUtf8(b, start, end, r.utf8Section); // validates before anything is cached
  if (topic.length === n) cachedTopics[slot] = topic;
  return topic;
}

function decodePublish(first: number, v: ProtocolVersion, s: Sections): Publish {
  const qos = ((first >> 1) & 3) as QoS;
  const dup = (first & 0x08) !== 0;
  if (qos === 0 && dup) throw protocolError("3.3.1.1", "the DUP flag must be 0 for QoS 0");
  const topic = readTopicName();
  rejectWildcards(topic, "3.3.2.1");
  const id = qos > 0 ? packetId(s) : 0;
  const properties = v === 5 ? readProperties(r, PUBLISH) : undefined;
  if (topic === "") {
    // 4.7.3: a Topic Name has at least one character; 5.0 3.3.2.3.4: unless a Topic Alias stands in for it.
    if (v === 4) throw protocolError("4.7.3", "a Topic Name must be at least one character long");
    if (properties?.topicAlias === undefined) throw protocolError("3.3.2.3.4", "an empty Topic Name needs a Topic Alias");
  }
  const packet: Publish = { type: "publish", topic, payload: r.rest(), qos, retain: (first & 0x01) !== 0, dup };
  if (qos > 0) packet.packetId = id;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodePublishResponse(type: number, v: ProtocolVersion, s: Sections): Packet {
  const id = packetId(s);
  const packet: PublishResponse<"puback"> = { type: ACK_TYPES[type] as "puback", packetId: id };
  if (v === 5) {
    // 3.4.2.1 / 3.4.2.2.1: Remaining Length 2 means Success without properties, 3 a reason code alone.
    const code = r.pos < r.end ? r.u8("Reason Code") : 0;
    checkReasonCode(type, code, v);
    packet.reasonCode = code;
    if (r.pos < r.end) {
      const properties = readProperties(r, type);
      if (properties !== undefined) packet.properties = properties;
    }
  }
  r.expectEnd();
  return packet;
}

function decodeConnack(v: ProtocolVersion): Connack {
  const flags = r.u8("Connect Acknowledge Flags");
  // 3.2.2.1: bits 7-1 are reserved and must be 0.
  if (flags & 0xfe) throw malformed("3.2.2.1", "reserved Connect Acknowledge Flags must be 0");
  const code = r.u8("Connect Reason Code");
  checkReasonCode(CONNACK, code, v);
  const sessionPresent = flags === 1;
  if (sessionPresent && code !== 0) {
    throw protocolError(v === 4 ? "3.2.2.2" : "3.2.2.1.1", "Session Present must be 0 with a non-zero reason code");
  }
  const packet: Connack = { type: "connack", sessionPresent, reasonCode: code };
  if (v === 5) {
    const properties = readProperties(r, CONNACK);
    if (properties !== undefined) packet.properties = properties;
  }
  r.expectEnd();
  return packet;
}

function decodeSubscribe(v: ProtocolVersion, s: Sections): Subscribe {
  const id = packetId(s);
  const packet: Subscribe = { type: "subscribe", packetId: id, subscriptions: [] };
  if (v === 5) {
    const properties = readProperties(r, SUBSCRIBE);
    if (properties !== undefined) packet.properties = properties;
  }
  if (r.pos === r.end) throw protocolError("3.8.3", "SUBSCRIBE needs at least one subscription");
  while (r.pos < r.end) {
    const topicFilter = r.utf8("Topic Filter");
    validateTopicFilter(topicFilter, s.utf8);
    const options = r.u8("Subscription Options");
    const qos = options & 3;
    if (v === 4) {
      // 3.8.3 [MQTT-3-8.3-4]: the upper 6 bits are reserved; QoS 3 is malformed.
      if (options & 0xfc || qos === 3) throw malformed("3.8.3", `invalid Requested QoS byte 0x${options.toString(16)}`);
      packet.subscriptions.push({ topicFilter, qos: qos as QoS });
      continue;
    }
    // 3.8.3.1: bits 6-7 reserved, QoS 3 malformed, Retain Handling 3 a Protocol Error.
    if (options & 0xc0 || qos === 3) throw malformed("3.8.3.1", `invalid Subscription Options 0x${options.toString(16)}`);
    const retainHandling = (options >> 4) & 3;
    if (retainHandling === 3) throw protocolError("3.8.3.1", "Retain Handling must not be 3");
    checkSharedSubscription(topicFilter, (options & 0x04) !== 0);
    const sub: Subscription = { topicFilter, qos: qos as QoS };
    if (options & 0x04) sub.noLocal = true;
    if (options & 0x08) sub.retainAsPublished = true;
    if (retainHandling !== 0) sub.retainHandling = retainHandling as 1 | 2;
    packet.subscriptions.push(sub);
  }
  return packet;
}

/** SUBACK and 5.0 UNSUBACK payload: one reason code per Topic Filter, at least one. */
function reasonCodes(type: number, v: ProtocolVersion, section: string): number[] {
  if (r.pos === r.end) throw protocolError(section, "at least one reason code is required");
  const codes: number[] = [];
  while (r.pos < r.end) {
    const code = r.bytes[r.pos++];
    checkReasonCode(type, code, v);
    codes.push(code);
  }
  return codes;
}

function decodeSuback(v: ProtocolVersion, s: Sections): Suback {
  const id = packetId(s);
  const properties = v === 5 ? readProperties(r, SUBACK) : undefined;
  const packet: Suback = { type: "suback", packetId: id, reasonCodes: reasonCodes(SUBACK, v, "3.9.3") };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeUnsubscribe(v: ProtocolVersion, s: Sections): Unsubscribe {
  const id = packetId(s);
  const packet: Unsubscribe = { type: "unsubscribe", packetId: id, topicFilters: [] };
  if (v === 5) {
    const properties = readProperties(r, UNSUBSCRIBE);
    if (properties !== undefined) packet.properties = properties;
  }
  if (r.pos === r.end) throw protocolError("3.10.3", "UNSUBSCRIBE needs at least one Topic Filter");
  while (r.pos < r.end) {
    const filter = r.utf8("Topic Filter");
    validateTopicFilter(filter, s.utf8);
    if (v === 5) checkSharedSubscription(filter, false);
    packet.topicFilters.push(filter);
  }
  return packet;
}

function decodeUnsuback(v: ProtocolVersion, s: Sections): Unsuback {
  const id = packetId(s);
  const packet: Unsuback = { type: "unsuback", packetId: id };
  if (v === 4) {
    r.expectEnd();
    return packet;
  }
  const properties = readProperties(r, UNSUBACK);
  packet.reasonCodes = reasonCodes(UNSUBACK, v, "3.11.3");
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeDisconnect(v: ProtocolVersion): Disconnect {
  const packet: Disconnect = { type: "disconnect" };
  if (v === 5) {
    // 3.14.2.1: Remaining Length 0 means Normal disconnection; 3.14.2.2.1: under 2, no properties.
    const code = r.pos < r.end ? r.u8("Reason Code") : 0;
    checkReasonCode(DISCONNECT, code, v);
    packet.reasonCode = code;
    if (r.pos < r.end) {
      const properties = readProperties(r, DISCONNECT);
      if (properties !== undefined) packet.properties = properties;
    }
  }
  r.expectEnd();
  return packet;
}

function decodeAuth(): Auth {
  // 3.15.2.1: Remaining Length 0 means Success without properties; otherwise both fields are present.
  const packet: Auth = { type: "auth", reasonCode: 0 };
  if (r.pos < r.end) {
    packet.reasonCode = r.u8("Reason Code");
    checkReasonCode(AUTH, packet.reasonCode, 5);
    const properties = readProperties(r, AUTH);
    if (properties !== undefined) packet.properties = properties;
  }
  r.expectEnd();
  return packet;
}

function decodeConnect(expected: ProtocolVersion | undefined): Connect {
  // 3.1.2.1: the Protocol Name is the UTF-8 string "MQTT" (3.1's "MQIsdp" is not supported).
  const name = r.utf8("Protocol Name");
  if (name !== "MQTT") throw protocolError("3.1.2.1", `unsupported Protocol Name "${name}"`);
  const level = r.u8("Protocol Level");
  if (level !== 4 && level !== 5) throw protocolError("3.1.2.2", `unsupported protocol level ${level}`);
  if (expected !== undefined && level !== expected) {
    throw protocolError("3.1.2.2", `CONNECT for protocol level ${level} on a connection using ${expected}`);
  }
  const v: ProtocolVersion = level;
  const s = sectionsFor(v);
  r.utf8Section = s.utf8;
  const flags = r.u8("Connect Flags");
  // 3.1.2.3: the reserved flag must be 0.
  if (flags & 0x01) throw malformed("3.1.2.3", "the reserved Connect Flag must be 0");
  const hasWill = (flags & 0x04) !== 0;
  const willQoS = (flags >> 3) & 3;
  const willRetain = (flags & 0x20) !== 0;
  if (willQoS === 3) throw malformed("3.1.2.6", "Will QoS must not be 3");
  if (!hasWill && willQoS !== 0) throw malformed("3.1.2.6", "Will QoS must be 0 without a Will");
  if (!hasWill && willRetain) throw malformed("3.1.2.7", "Will Retain must be 0 without a Will");
  const hasUsername = (flags & 0x80) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  if (v === 4 && hasPassword && !hasUsername) throw malformed("3.1.2.9", "a password requires a user name in MQTT 3.1.1");
  const keepAlive = r.u16("Keep Alive");
  const properties = v === 5 ? readProperties(r, CONNECT) : undefined;
  const packet: Connect = { type: "connect", protocolVersion: v, clientId: r.utf8("Client Identifier"), cleanStart: (flags & 0x02) !== 0, keepAlive };
  if (properties !== undefined) packet.properties = properties;
  if (hasWill) {
    const willProperties = v === 5 ? readProperties(r, WILL) : undefined;
    const topic = r.utf8("Will Topic");
    validateTopicName(topic, "4.7.1.1", s.utf8);
    const will: Will = { topic, payload: r.binary("Will Payload"), qos: willQoS as QoS, retain: willRetain };
    if (willProperties !== undefined) will.properties = willProperties;
    packet.will = will;
  }
  if (hasUsername) packet.username = r.utf8("User Name");
  if (hasPassword) packet.password = r.binary("Password");
  r.expectEnd();
  return packet;
}
