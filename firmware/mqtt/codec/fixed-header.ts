// The fixed header: packet type, flags and Remaining Length (3.1.1 section 2.2, 5.0 section 2.1).
import { malformed } from "./protocol-error.js";
import type { PacketType, ProtocolVersion } from "./packets.js";
import { sectionsFor } from "./sections.js";

/** Control Packet type values (the high nibble of the first byte). */
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;
export const AUTH = 15;

/** Packet type value -> name, index 0 is reserved. */
export const PACKET_NAMES: readonly (PacketType | undefined)[] = [
  undefined,
  "connect",
  "connack",
  "publish",
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "subscribe",
  "suback",
  "unsubscribe",
  "unsuback",
  "pingreq",
  "pingresp",
  "disconnect",
  "auth",
];

/** Packet name -> type value. */
export const PACKET_CODES: { readonly [K in PacketType]: number } = {
  connect: CONNECT,
  connack: CONNACK,
  publish: PUBLISH,
  puback: PUBACK,
  pubrec: PUBREC,
  pubrel: PUBREL,
  pubcomp: PUBCOMP,
  subscribe: SUBSCRIBE,
  suback: SUBACK,
  unsubscribe: UNSUBSCRIBE,
  unsuback: UNSUBACK,
  pingreq: PINGREQ,
  pingresp: PINGRESP,
  disconnect: DISCONNECT,
  auth: AUTH,
};

/** Largest value of a Variable Byte Integer, hence of the Remaining Length (4 bytes of 7 bits). */
export const MAX_VARIABLE_BYTE_INTEGER = 268_435_455;

/** Fixed header flags: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010, PUBLISH its own, all others 0. */
export function requiredFlags(type: number): number {
  return type === PUBREL || type === SUBSCRIBE || type === UNSUBSCRIBE ? 0b0010 : 0;
}

/**
 * Rejects a first byte that no valid packet starts with, before any of the body is read or buffered:
 * reserved packet types (type 0, and AUTH in 3.1.1), reserved flag bits, PUBLISH with QoS 3.
 */
export function checkFirstByte(first: number, protocolVersion: ProtocolVersion | undefined): void {
  const type = first >> 4;
  const flags = first & 0x0f;
  const s = sectionsFor(protocolVersion);
  if (type === 0 || (type === AUTH && protocolVersion === 4)) {
    throw malformed(s.packetType, `packet type ${type} is reserved`);
  }
  if (type === PUBLISH) {
    // 3.3.1.2: both QoS bits set is a Malformed Packet.
    if ((flags & 0b0110) === 0b0110) throw malformed("3.3.1.2", "PUBLISH with QoS 3");
  } else if (flags !== requiredFlags(type)) {
    throw malformed(s.flags, `reserved flag bits of ${PACKET_NAMES[type]} must be ${requiredFlags(type)}, got ${flags}`);
  }
}

/** Bytes a Variable Byte Integer takes (1.5.5 / 2.2.3). */
export function variableByteIntegerLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/** Writes a Variable Byte Integer (value <= MAX_VARIABLE_BYTE_INTEGER) and returns the next position. */
export function writeVariableByteInteger(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}
