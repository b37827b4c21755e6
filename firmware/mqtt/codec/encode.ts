// Packet -> bytes. Each packet is measured first, then written once into one Uint8Array of exactly its
// size: no intermediate buffers, no concatenation. Fields that exist only in MQTT 5.0 (reason codes,
// properties, subscription options) are ignored when encoding for 3.1.1.
import { malformed, ProtocolError, protocolError } from "./protocol-error.js";
import {
  AUTH,
  CONNACK,
  CONNECT,
  DISCONNECT,
  MAX_VARIABLE_BYTE_INTEGER,
  PACKET_CODES,
  PUBLISH,
  SUBACK,
  SUBSCRIBE,
  UNSUBACK,
  UNSUBSCRIBE,
  requiredFlags,
  variableByteIntegerLength,
  writeVariableByteInteger,
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
  Suback,
  Subscribe,
  Unsuback,
  Unsubscribe,
} from "./packets.js";
import { WILL, propertiesBlockLength, propertiesLength, writeBinary, writeProperties, writeString } from "./properties.js";
import { checkReasonCode } from "./reason-codes.js";
import { type Sections, sectionsFor } from "./sections.js";
import { checkSharedSubscription, validateTopicFilter, validateTopicName } from "./topics.js";
import { MAX_STRING_BYTES, utf8Length } from "../common/utf8.js";

/**
 * Encodes one packet for `protocolVersion`. Throws ProtocolError for a packet that must not be sent:
 * packet identifier 0, QoS 3, wildcards in a Topic Name, a property not allowed in this packet, a string or
 * binary field over 65535 bytes, a reason code not defined for the packet, and so on.
 */
export function encode(packet: Packet, protocolVersion: ProtocolVersion): Uint8Array {
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw protocolError("3.1.2.2", `unsupported protocol version ${String(protocolVersion)}`);
  }
  const s = sectionsFor(protocolVersion);
  switch (packet.type) {
    case "publish":
      return encodePublish(packet, protocolVersion, s);
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return encodePublishResponse(packet, protocolVersion, s);
    case "connect":
      return encodeConnect(packet, protocolVersion, s);
    case "connack":
      return encodeConnack(packet, protocolVersion, s);
    case "subscribe":
      return encodeSubscribe(packet, protocolVersion, s);
    case "suback":
      return encodeSuback(packet, protocolVersion, s);
    case "unsubscribe":
      return encodeUnsubscribe(packet, protocolVersion, s);
    case "unsuback":
      return encodeUnsuback(packet, protocolVersion, s);
    case "pingreq":
      return new Uint8Array([0xc0, 0]);
    case "pingresp":
      return new Uint8Array([0xd0, 0]);
    case "disconnect":
      return encodeDisconnect(packet, protocolVersion, s);
    case "auth":
      return encodeAuth(packet, protocolVersion, s);
    default:
      throw malformed(s.packetType, `unknown packet type ${String((packet as { type?: unknown }).type)}`);
  }
}

/** A buffer for a packet whose variable header + payload take `remaining` bytes, fixed header written. */
function start(first: number, remaining: number, s: Sections): Uint8Array {
  if (remaining > MAX_VARIABLE_BYTE_INTEGER) {
    throw new ProtocolError("packet-too-large", s.remainingLength, `Remaining Length ${remaining} exceeds ${MAX_VARIABLE_BYTE_INTEGER}`);
  }
  const out = new Uint8Array(1 + variableByteIntegerLength(remaining) + remaining);
  out[0] = first;
  writeVariableByteInteger(out, 1, remaining);
  return out;
}

function checkPacketId(id: number | undefined, s: Sections): number {
  if (typeof id !== "number" || !(id >= 1 && id <= 0xffff) || id % 1 !== 0) {
    throw protocolError(s.packetId, `Packet Identifier must be 1..65535, got ${String(id)}`);
  }
  return id;
}

function checkQoS(qos: number, section: string, what: string): void {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw malformed(section, `${what} QoS must be 0, 1 or 2, got ${String(qos)}`);
}

function stringLength(value: string, what: string, s: Sections): number {
  const n = utf8Length(value, s.utf8);
  if (n > MAX_STRING_BYTES) throw malformed(s.utf8, `${what} longer than 65535 bytes`);
  return n;
}

function binaryLength(value: Uint8Array, what: string): number {
  if (!(value instanceof Uint8Array)) throw malformed("1.5.6", `${what} must be a Uint8Array`);
  if (value.length > MAX_STRING_BYTES) throw malformed("1.5.6", `${what} longer than 65535 bytes`);
  return value.length;
}

function writeU16(out: Uint8Array, pos: number, n: number): number {
  out[pos] = n >> 8;
  out[pos + 1] = n;
  return pos + 2;
}

function encodePublish(p: Publish, v: ProtocolVersion, s: Sections): Uint8Array {
  const qos = p.qos;
  checkQoS(qos, "3.3.1.2", "PUBLISH");
  if (qos === 0 && p.dup) throw protocolError("3.3.1.1", "the DUP flag must be 0 for QoS 0");
  let topicBytes = 0;
  if (p.topic === "" && v === 5) {
    // 3.3.2.3.4: a zero-length Topic Name is allowed only together with a Topic Alias.
    if (p.properties?.topicAlias === undefined) throw protocolError("3.3.2.3.4", "an empty Topic Name needs a Topic Alias");
  } else {
    topicBytes = validateTopicName(p.topic, "3.3.2.1", s.utf8);
  }
  const payloadBytes = payloadLength(p.payload);
  let n = 2 + topicBytes + payloadBytes;
  let id = 0;
  if (qos > 0) {
    id = checkPacketId(p.packetId, s);
    n += 2;
  }
  let props = 0;
  if (v === 5) {
    props = propertiesLength(p.properties, PUBLISH);
    n += propertiesBlockLength(props);
  }
  const out = start(0x30 | (p.dup ? 0x08 : 0) | (qos << 1) | (p.retain ? 0x01 : 0), n, s);
  let pos = out.length - n;
  pos = writeString(out, pos, p.topic);
  if (qos > 0) pos = writeU16(out, pos, id);
  if (v === 5) pos = writeProperties(out, pos, p.properties, props);
  out.set(p.payload, pos);
  return out;
}

function payloadLength(payload: Uint8Array): number {
  if (!(payload instanceof Uint8Array)) throw malformed("3.3.3", "the PUBLISH payload must be a Uint8Array");
  return payload.length;
}

type AnyPublishResponse = PublishResponse<"puback" | "pubrec" | "pubrel" | "pubcomp">;

function encodePublishResponse(p: AnyPublishResponse, v: ProtocolVersion, s: Sections): Uint8Array {
  const type = PACKET_CODES[p.type];
  const first = (type << 4) | requiredFlags(type);
  const id = checkPacketId(p.packetId, s);
  if (v === 4) {
    const out = start(first, 2, s);
    writeU16(out, 2, id);
    return out;
  }
  const code = p.reasonCode ?? 0;
  checkReasonCode(type, code, v);
  const props = propertiesLength(p.properties, type);
  // 3.4.2.1 (and 3.5-3.7): reason code and Property Length may be left out when there is nothing to say;
  // a reason code alone (Remaining Length 3) implies no properties (3.4.2.2.1).
  const n = props > 0 ? 3 + propertiesBlockLength(props) : code !== 0 ? 3 : 2;
  const out = start(first, n, s);
  let pos = writeU16(out, out.length - n, id);
  if (n > 2) out[pos++] = code;
  if (props > 0) writeProperties(out, pos, p.properties, props);
  return out;
}

function encodeConnect(p: Connect, v: ProtocolVersion, s: Sections): Uint8Array {
  if (p.protocolVersion !== v) {
    throw protocolError("3.1.2.2", `CONNECT says protocol version ${p.protocolVersion} but is encoded for ${v}`);
  }
  const keepAlive = p.keepAlive;
  if (!(keepAlive >= 0 && keepAlive <= 0xffff) || keepAlive % 1 !== 0) {
    throw protocolError("3.1.2.10", `Keep Alive must be 0..65535, got ${keepAlive}`);
  }
  // 3.1.1 [MQTT-3.1.3-7]: a zero-byte ClientId needs CleanSession = 1. (5.0 lets the server assign one.)
  if (v === 4 && p.clientId === "" && !p.cleanStart) {
    throw protocolError("3.1.3.1", "a zero-length Client Identifier requires Clean Session");
  }
  // 3.1.1 [MQTT-3.1.2-22]: no password without a user name. (5.0 allows it.)
  if (v === 4 && p.password !== undefined && p.username === undefined) {
    throw protocolError("3.1.2.9", "a password requires a user name in MQTT 3.1.1");
  }
  // Protocol Name "MQTT" (6), Protocol Level, Connect Flags, Keep Alive; then the Client Identifier.
  let n = 10 + 2 + stringLength(p.clientId, "Client Identifier", s);
  let props = 0;
  if (v === 5) {
    props = propertiesLength(p.properties, CONNECT);
    n += propertiesBlockLength(props);
  }
  const will = p.will;
  let willProps = 0;
  let flags = p.cleanStart ? 0x02 : 0;
  if (will !== undefined) {
    checkQoS(will.qos, "3.1.2.6", "Will");
    n += 2 + validateTopicName(will.topic, "4.7.1.1", s.utf8) + 2 + binaryLength(will.payload, "Will Payload");
    if (v === 5) {
      willProps = propertiesLength(will.properties, WILL);
      n += propertiesBlockLength(willProps);
    }
    flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
  }
  if (p.username !== undefined) {
    n += 2 + stringLength(p.username, "User Name", s);
    flags |= 0x80;
  }
  if (p.password !== undefined) {
    n += 2 + binaryLength(p.password, "Password");
    flags |= 0x40;
  }
  const out = start(CONNECT << 4, n, s);
  let pos = writeString(out, out.length - n, "MQTT");
  out[pos++] = v;
  out[pos++] = flags;
  pos = writeU16(out, pos, keepAlive);
  if (v === 5) pos = writeProperties(out, pos, p.properties, props);
  pos = writeString(out, pos, p.clientId);
  if (will !== undefined) {
    if (v === 5) pos = writeProperties(out, pos, will.properties, willProps);
    pos = writeString(out, pos, will.topic);
    pos = writeBinary(out, pos, will.payload);
  }
  if (p.username !== undefined) pos = writeString(out, pos, p.username);
  if (p.password !== undefined) writeBinary(out, pos, p.password);
  return out;
}

function encodeConnack(p: Connack, v: ProtocolVersion, s: Sections): Uint8Array {
  checkReasonCode(CONNACK, p.reasonCode, v);
  // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0): a refusal never reports a present session.
  if (p.sessionPresent && p.reasonCode !== 0) {
    throw protocolError(v === 4 ? "3.2.2.2" : "3.2.2.1.1", "Session Present must be 0 with a non-zero reason code");
  }
  const props = v === 5 ? propertiesLength(p.properties, CONNACK) : 0;
  const n = v === 5 ? 2 + propertiesBlockLength(props) : 2;
  const out = start(CONNACK << 4, n, s);
  let pos = out.length - n;
  out[pos++] = p.sessionPresent ? 1 : 0;
  out[pos++] = p.reasonCode;
  if (v === 5) writeProperties(out, pos, p.properties, props);
  return out;
}

function encodeSubscribe(p: Subscribe, v: ProtocolVersion, s: Sections): Uint8Array {
  const id = checkPacketId(p.packetId, s);
  const subs = p.subscriptions;
  // 3.8.3: at least one Topic Filter.
  if (!Array.isArray(subs) || subs.length === 0) throw protocolError("3.8.3", "SUBSCRIBE needs at least one subscription");
  let n = 2;
  for (const sub of subs) {
    n += 2 + validateTopicFilter(sub.topicFilter, s.utf8) + 1;
    if (v === 5) checkSharedSubscription(sub.topicFilter, sub.noLocal === true);
    checkQoS(sub.qos, v === 4 ? "3.8.3" : "3.8.3.1", "Requested");
    const rh = sub.retainHandling ?? 0;
    if (v === 5 && rh !== 0 && rh !== 1 && rh !== 2) throw protocolError("3.8.3.1", `Retain Handling must be 0, 1 or 2, got ${String(rh)}`);
  }
  let props = 0;
  if (v === 5) {
    props = propertiesLength(p.properties, SUBSCRIBE);
    n += propertiesBlockLength(props);
  }
  const out = start((SUBSCRIBE << 4) | 0b0010, n, s);
  let pos = writeU16(out, out.length - n, id);
  if (v === 5) pos = writeProperties(out, pos, p.properties, props);
  for (const sub of subs) {
    pos = writeString(out, pos, sub.topicFilter);
    let options = sub.qos;
    if (v === 5) {
      // 3.8.3.1 Subscription Options: bit 2 No Local, bit 3 Retain As Published, bits 4-5 Retain Handling.
      if (sub.noLocal) options |= 0x04;
      if (sub.retainAsPublished) options |= 0x08;
      options |= (sub.retainHandling ?? 0) << 4;
    }
    out[pos++] = options;
  }
  return out;
}

function encodeSuback(p: Suback, v: ProtocolVersion, s: Sections): Uint8Array {
  const id = checkPacketId(p.packetId, s);
  const codes = p.reasonCodes;
  if (!Array.isArray(codes) || codes.length === 0) throw protocolError("3.9.3", "SUBACK needs at least one reason code");
  for (const code of codes) checkReasonCode(SUBACK, code, v);
  return encodeAckWithCodes((SUBACK << 4), id, codes, p, SUBACK, v, s);
}

function encodeUnsubscribe(p: Unsubscribe, v: ProtocolVersion, s: Sections): Uint8Array {
  const id = checkPacketId(p.packetId, s);
  const filters = p.topicFilters;
  // 3.10.3: at least one Topic Filter.
  if (!Array.isArray(filters) || filters.length === 0) throw protocolError("3.10.3", "UNSUBSCRIBE needs at least one Topic Filter");
  let n = 2;
  for (const filter of filters) {
    n += 2 + validateTopicFilter(filter, s.utf8);
    if (v === 5) checkSharedSubscription(filter, false);
  }
  let props = 0;
  if (v === 5) {
    props = propertiesLength(p.properties, UNSUBSCRIBE);
    n += propertiesBlockLength(props);
  }
  const out = start((UNSUBSCRIBE << 4) | 0b0010, n, s);
  let pos = writeU16(out, out.length - n, id);
  if (v === 5) pos = writeProperties(out, pos, p.properties, props);
  for (const filter of filters) pos = writeString(out, pos, filter);
  return out;
}

function encodeUnsuback(p: Unsuback, v: ProtocolVersion, s: Sections): Uint8Array {
  const id = checkPacketId(p.packetId, s);
  if (v === 4) {
    const out = start(UNSUBACK << 4, 2, s);
    writeU16(out, 2, id);
    return out;
  }
  const codes = p.reasonCodes;
  if (!Array.isArray(codes) || codes.length === 0) throw protocolError("3.11.3", "UNSUBACK needs at least one reason code");
  for (const code of codes) checkReasonCode(UNSUBACK, code, v);
  return encodeAckWithCodes(UNSUBACK << 4, id, codes, p, UNSUBACK, v, s);
}

/** SUBACK and 5.0 UNSUBACK: Packet Identifier, properties (5.0), one reason code byte per topic filter. */
function encodeAckWithCodes(
  first: number,
  id: number,
  codes: number[],
  p: Suback | Unsuback,
  type: number,
  v: ProtocolVersion,
  s: Sections,
): Uint8Array {
  let n = 2 + codes.length;
  let props = 0;
  if (v === 5) {
    props = propertiesLength(p.properties, type);
    n += propertiesBlockLength(props);
  }
  const out = start(first, n, s);
  let pos = writeU16(out, out.length - n, id);
  if (v === 5) pos = writeProperties(out, pos, p.properties, props);
  for (const code of codes) out[pos++] = code;
  return out;
}

function encodeDisconnect(p: Disconnect, v: ProtocolVersion, s: Sections): Uint8Array {
  if (v === 4) return new Uint8Array([DISCONNECT << 4, 0]);
  const code = p.reasonCode ?? 0;
  checkReasonCode(DISCONNECT, code, v);
  const props = propertiesLength(p.properties, DISCONNECT);
  // 3.14.2.1: Remaining Length 0 means Normal disconnection; a reason code alone implies no properties
  // (3.14.2.2.1).
  const n = props > 0 ? 1 + propertiesBlockLength(props) : code !== 0 ? 1 : 0;
  const out = start(DISCONNECT << 4, n, s);
  let pos = out.length - n;
  if (n > 0) out[pos++] = code;
  if (props > 0) writeProperties(out, pos, p.properties, props);
  return out;
}

function encodeAuth(p: Auth, v: ProtocolVersion, s: Sections): Uint8Array {
  if (v === 4) throw malformed(s.packetType, "AUTH does not exist in MQTT 3.1.1");
  const code = p.reasonCode ?? 0;
  checkReasonCode(AUTH, code, v);
  const props = propertiesLength(p.properties, AUTH);
  // 3.15.2.1 allows Remaining Length 0 for Success without properties, but unlike PUBACK or DISCONNECT,
  // AUTH has no rule for a reason code without a Property Length, and common parsers (mqtt-packet) only
  // read the full form: always send reason code + Property Length.
  const n = 1 + propertiesBlockLength(props);
  const out = start(AUTH << 4, n, s);
  const pos = out.length - n;
  out[pos] = code;
  writeProperties(out, pos + 1, p.properties, props);
  return out;
}
