// MQTT 5.0 Properties (section 2.2.2): which packet may carry which property, how each value is encoded,
// and the rules every property error cites as 2.2.2.2 (unknown identifier, not allowed in this packet,
// given twice, value out of range).
import { type ProtocolError, malformed, protocolError } from "./protocol-error.js";
import type { Properties, UserProperty } from "./packets.js";
import {
  AUTH,
  CONNACK,
  CONNECT,
  DISCONNECT,
  MAX_VARIABLE_BYTE_INTEGER,
  PACKET_NAMES,
  PUBACK,
  PUBCOMP,
  PUBLISH,
  PUBREC,
  PUBREL,
  SUBACK,
  SUBSCRIBE,
  UNSUBACK,
  UNSUBSCRIBE,
  variableByteIntegerLength,
  writeVariableByteInteger,
} from "./fixed-header.js";
import type { Reader } from "./reader.js";
import { validateTopicName } from "./topics.js";
import { MAX_STRING_BYTES, utf8Length, writeUtf8 } from "../common/utf8.js";

/** Pseudo packet type for Will Properties (3.1.3.2): type 0 is otherwise reserved. */
export const WILL = 0;

const SECTION = "2.2.2.2";

// Value encodings (2.2.2.2 table 2-4).
const BOOLEAN = 0; // Byte that must be 0 or 1
const TWO = 1; // Two Byte Integer
const FOUR = 2; // Four Byte Integer
const VARINT = 3; // Variable Byte Integer (Subscription Identifier, one entry per occurrence)
const STRING = 4; // UTF-8 Encoded String
const BINARY = 5; // Binary Data
const PAIR = 6; // UTF-8 String Pair (User Property, one entry per occurrence)

const NONZERO = 1; // 0 is a Protocol Error (Receive Maximum, Maximum Packet Size, Topic Alias, Subscription Identifier)
const TOPIC = 2; // a Topic Name without wildcards (Response Topic, 3.3.2.3.5)

interface PropertyDef {
  readonly id: number;
  readonly key: keyof Properties;
  readonly kind: number;
  /** Bit per packet type (bit 0: Will Properties). */
  readonly allowed: number;
  readonly rules: number;
}

const bit = (...types: number[]): number => types.reduce((m, t) => m | (1 << t), 0);
const ALL = bit(WILL, CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH);
const MESSAGE = bit(PUBLISH, WILL);

/** In identifier order, which is also the order we write them in. */
const DEFS: readonly PropertyDef[] = [
  { id: 0x01, key: "payloadFormatIndicator", kind: BOOLEAN, allowed: MESSAGE, rules: 0 },
  { id: 0x02, key: "messageExpiryInterval", kind: FOUR, allowed: MESSAGE, rules: 0 },
  { id: 0x03, key: "contentType", kind: STRING, allowed: MESSAGE, rules: 0 },
  { id: 0x08, key: "responseTopic", kind: STRING, allowed: MESSAGE, rules: TOPIC },
  { id: 0x09, key: "correlationData", kind: BINARY, allowed: MESSAGE, rules: 0 },
  { id: 0x0b, key: "subscriptionIdentifiers", kind: VARINT, allowed: bit(PUBLISH, SUBSCRIBE), rules: NONZERO },
  { id: 0x11, key: "sessionExpiryInterval", kind: FOUR, allowed: bit(CONNECT, CONNACK, DISCONNECT), rules: 0 },
  { id: 0x12, key: "assignedClientIdentifier", kind: STRING, allowed: bit(CONNACK), rules: 0 },
  { id: 0x13, key: "serverKeepAlive", kind: TWO, allowed: bit(CONNACK), rules: 0 },
  { id: 0x15, key: "authenticationMethod", kind: STRING, allowed: bit(CONNECT, CONNACK, AUTH), rules: 0 },
  { id: 0x16, key: "authenticationData", kind: BINARY, allowed: bit(CONNECT, CONNACK, AUTH), rules: 0 },
  { id: 0x17, key: "requestProblemInformation", kind: BOOLEAN, allowed: bit(CONNECT), rules: 0 },
  { id: 0x18, key: "willDelayInterval", kind: FOUR, allowed: bit(WILL), rules: 0 },
  { id: 0x19, key: "requestResponseInformation", kind: BOOLEAN, allowed: bit(CONNECT), rules: 0 },
  { id: 0x1a, key: "responseInformation", kind: STRING, allowed: bit(CONNACK), rules: 0 },
  { id: 0x1c, key: "serverReference", kind: STRING, allowed: bit(CONNACK, DISCONNECT), rules: 0 },
  {
    id: 0x1f,
    key: "reasonString",
    kind: STRING,
    allowed: bit(CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH),
    rules: 0,
  },
  { id: 0x21, key: "receiveMaximum", kind: TWO, allowed: bit(CONNECT, CONNACK), rules: NONZERO },
  { id: 0x22, key: "topicAliasMaximum", kind: TWO, allowed: bit(CONNECT, CONNACK), rules: 0 },
  { id: 0x23, key: "topicAlias", kind: TWO, allowed: bit(PUBLISH), rules: NONZERO },
  { id: 0x24, key: "maximumQoS", kind: BOOLEAN, allowed: bit(CONNACK), rules: 0 },
  { id: 0x25, key: "retainAvailable", kind: BOOLEAN, allowed: bit(CONNACK), rules: 0 },
  { id: 0x26, key: "userProperties", kind: PAIR, allowed: ALL, rules: 0 },
  { id: 0x27, key: "maximumPacketSize", kind: FOUR, allowed: bit(CONNECT, CONNACK), rules: NONZERO },
  { id: 0x28, key: "wildcardSubscriptionAvailable", kind: BOOLEAN, allowed: bit(CONNACK), rules: 0 },
  { id: 0x29, key: "subscriptionIdentifiersAvailable", kind: BOOLEAN, allowed: bit(CONNACK), rules: 0 },
  { id: 0x2a, key: "sharedSubscriptionAvailable", kind: BOOLEAN, allowed: bit(CONNACK), rules: 0 },
];

const BY_ID: (PropertyDef | undefined)[] = [];
for (const def of DEFS) BY_ID[def.id] = def;

function where(type: number): string {
  return type === WILL ? "Will Properties" : (PACKET_NAMES[type] ?? "?").toUpperCase();
}

function invalid(def: PropertyDef, why: string): ProtocolError {
  return protocolError(SECTION, `${def.key}: ${why}`);
}

function isInt(v: unknown, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
}

// ---- encoding -----------------------------------------------------------------------------------------

function stringBytes(def: PropertyDef, v: unknown): number {
  if (typeof v !== "string") throw invalid(def, "must be a string");
  const n = def.rules & TOPIC ? validateTopicName(v, "3.3.2.3.5") : utf8Length(v);
  if (n > MAX_STRING_BYTES) throw invalid(def, "longer than 65535 bytes");
  return 2 + n;
}

function valueBytes(def: PropertyDef, v: unknown, type: number): number {
  switch (def.kind) {
    case BOOLEAN:
      if (v !== 0 && v !== 1) throw invalid(def, "must be 0 or 1");
      return 2;
    case TWO:
      if (!isInt(v, 0xffff) || (def.rules & NONZERO && v === 0)) throw invalid(def, `must be an integer in ${def.rules & NONZERO ? 1 : 0}..65535`);
      return 3;
    case FOUR:
      if (!isInt(v, 0xffffffff) || (def.rules & NONZERO && v === 0)) throw invalid(def, "must be a four byte integer" + (def.rules & NONZERO ? " other than 0" : ""));
      return 5;
    case STRING:
      return 1 + stringBytes(def, v);
    case BINARY:
      if (!(v instanceof Uint8Array)) throw invalid(def, "must be a Uint8Array");
      if (v.length > MAX_STRING_BYTES) throw invalid(def, "longer than 65535 bytes");
      return 3 + v.length;
    case VARINT: {
      if (!Array.isArray(v)) throw invalid(def, "must be an array");
      // 3.8.2.1.2: a SUBSCRIBE carries at most one Subscription Identifier.
      if (type === SUBSCRIBE && v.length > 1) throw protocolError("3.8.2.1.2", "SUBSCRIBE may carry only one Subscription Identifier");
      let n = 0;
      for (const id of v) {
        if (!isInt(id, MAX_VARIABLE_BYTE_INTEGER) || id === 0) throw invalid(def, "must be in 1..268435455");
        n += 1 + variableByteIntegerLength(id);
      }
      return n;
    }
    default: {
      if (!Array.isArray(v)) throw invalid(def, "must be an array of [name, value]");
      let n = 0;
      for (const pair of v as UserProperty[]) {
        if (!Array.isArray(pair) || pair.length !== 2) throw invalid(def, "each entry must be [name, value]");
        n += 1 + stringBytes(def, pair[0]) + stringBytes(def, pair[1]);
      }
      return n;
    }
  }
}

/**
 * Length of the encoded properties without their Property Length prefix. Validates every property: allowed
 * in this packet type (or WILL), value in range. Absent (undefined) properties are not encoded; 0 and
 * false-like values are encoded when present.
 */
export function propertiesLength(p: Properties | undefined, type: number): number {
  if (p === undefined) return 0;
  const values = p as Record<string, unknown>;
  let n = 0;
  for (let i = 0; i < DEFS.length; i++) {
    const def = DEFS[i];
    const v = values[def.key];
    if (v === undefined) continue;
    if ((def.allowed & (1 << type)) === 0) throw protocolError(SECTION, `${def.key} is not allowed in ${where(type)}`);
    n += valueBytes(def, v, type);
  }
  return n;
}

/** Writes Property Length then the properties (validated by propertiesLength) and returns the position after. */
export function writeProperties(out: Uint8Array, pos: number, p: Properties | undefined, length: number): number {
  pos = writeVariableByteInteger(out, pos, length);
  if (length === 0 || p === undefined) return pos;
  const values = p as Record<string, unknown>;
  for (let i = 0; i < DEFS.length; i++) {
    const def = DEFS[i];
    const v = values[def.key];
    if (v === undefined) continue;
    switch (def.kind) {
      case BOOLEAN:
        out[pos++] = def.id;
        out[pos++] = v as number;
        break;
      case TWO:
        out[pos++] = def.id;
        out[pos++] = (v as number) >> 8;
        out[pos++] = v as number;
        break;
      case FOUR:
        out[pos++] = def.id;
        out[pos++] = (v as number) >>> 24;
        out[pos++] = (v as number) >>> 16;
        out[pos++] = (v as number) >>> 8;
        out[pos++] = v as number;
        break;
      case STRING:
        out[pos++] = def.id;
        pos = writeString(out, pos, v as string);
        break;
      case BINARY:
        out[pos++] = def.id;
        pos = writeBinary(out, pos, v as Uint8Array);
        break;
      case VARINT:
        for (const id of v as number[]) {
          out[pos++] = def.id;
          pos = writeVariableByteInteger(out, pos, id);
        }
        break;
      default:
        for (const [name, value] of v as UserProperty[]) {
          out[pos++] = def.id;
          pos = writeString(out, pos, name);
          pos = writeString(out, pos, value);
        }
    }
  }
  return pos;
}

/** Two-byte length then UTF-8 bytes; `s` must have passed utf8Length. */
export function writeString(out: Uint8Array, pos: number, s: string): number {
  const at = pos;
  pos = writeUtf8(s, out, pos + 2);
  const n = pos - at - 2;
  out[at] = n >> 8;
  out[at + 1] = n;
  return pos;
}

/** Two-byte length then the bytes (1.5.6). */
export function writeBinary(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  const n = bytes.length;
  out[pos] = n >> 8;
  out[pos + 1] = n;
  out.set(bytes, pos + 2);
  return pos + 2 + n;
}

/** Bytes a properties block takes including its Property Length prefix. */
export function propertiesBlockLength(contentLength: number): number {
  return variableByteIntegerLength(contentLength) + contentLength;
}

// ---- decoding -----------------------------------------------------------------------------------------

/**
 * Reads Property Length and the properties of a packet of `type` (or WILL). Returns undefined when there
 * are none, so decoded packets carry no empty `properties` object.
 */
export function readProperties(r: Reader, type: number): Properties | undefined {
  const length = r.varint("Property Length");
  if (length === 0) return undefined;
  const end = r.pos + length;
  if (end > r.end) throw r.truncated("Properties");
  const outerEnd = r.end;
  r.end = end; // no property value may run past the Property Length
  const p: Record<string, unknown> = {};
  while (r.pos < end) {
    const id = r.varint("Property Identifier");
    const def = BY_ID[id];
    if (def === undefined) throw malformed(SECTION, `unknown property identifier 0x${id.toString(16)}`);
    if ((def.allowed & (1 << type)) === 0) throw protocolError(SECTION, `${def.key} is not allowed in ${where(type)}`);
    const existing = p[def.key];
    if (existing !== undefined && def.kind !== PAIR && !(def.kind === VARINT && type === PUBLISH)) {
      throw protocolError(def.kind === VARINT ? "3.8.2.1.2" : SECTION, `${def.key} given more than once`);
    }
    let v: number | string | Uint8Array;
    switch (def.kind) {
      case BOOLEAN:
        v = r.u8(def.key);
        if (v > 1) throw invalid(def, `must be 0 or 1, got ${v}`);
        break;
      case TWO:
        v = r.u16(def.key);
        break;
      case FOUR:
        v = r.u32(def.key);
        break;
      case STRING:
        v = r.utf8(def.key);
        if (def.rules & TOPIC) validateTopicName(v, "3.3.2.3.5");
        break;
      case BINARY:
        v = r.binary(def.key);
        break;
      case VARINT:
        v = r.varint(def.key);
        if (v === 0) throw invalid(def, "must not be 0");
        if (existing === undefined) p[def.key] = [v];
        else (existing as number[]).push(v);
        continue;
      default: {
        const pair: UserProperty = [r.utf8("User Property name"), r.utf8("User Property value")];
        if (existing === undefined) p[def.key] = [pair];
        else (existing as UserProperty[]).push(pair);
        continue;
      }
    }
    if (def.rules & NONZERO && v === 0) throw invalid(def, "must not be 0");
    p[def.key] = v;
  }
  r.end = outerEnd;
  return p as Properties;
}
