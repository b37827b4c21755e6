// Which reason / return codes each packet may carry. Anything else is a Protocol Error in either
// direction: we neither send nor accept a code the spec does not define for that packet.
import { protocolError } from "./protocol-error.js";
import type { ProtocolVersion } from "./packets.js";
import { AUTH, CONNACK, DISCONNECT, PUBACK, PUBCOMP, PUBREC, PUBREL, SUBACK, UNSUBACK } from "./fixed-header.js";

function set(codes: number[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of codes) table[c] = 1;
  return table;
}

// MQTT 5.0 (section numbers in `V5_SECTIONS`).
const CONNACK_V5 = set([0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f]);
const PUBACK_PUBREC_V5 = set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]);
const PUBREL_PUBCOMP_V5 = set([0x00, 0x92]);
const SUBACK_V5 = set([0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]);
const UNSUBACK_V5 = set([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]);
const DISCONNECT_V5 = set([
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
  0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);
const AUTH_V5 = set([0x00, 0x18, 0x19]);
// MQTT 3.1.1: Connect Return codes 0..5 (3.2.2.3), SUBACK return codes (3.9.3).
const CONNACK_V311 = set([0, 1, 2, 3, 4, 5]);
const SUBACK_V311 = set([0x00, 0x01, 0x02, 0x80]);

const V5: (Uint8Array | undefined)[] = [];
V5[CONNACK] = CONNACK_V5;
V5[PUBACK] = PUBACK_PUBREC_V5;
V5[PUBREC] = PUBACK_PUBREC_V5;
V5[PUBREL] = PUBREL_PUBCOMP_V5;
V5[PUBCOMP] = PUBREL_PUBCOMP_V5;
V5[SUBACK] = SUBACK_V5;
V5[UNSUBACK] = UNSUBACK_V5;
V5[DISCONNECT] = DISCONNECT_V5;
V5[AUTH] = AUTH_V5;

const V5_SECTIONS: string[] = [];
V5_SECTIONS[CONNACK] = "3.2.2.2";
V5_SECTIONS[PUBACK] = "3.4.2.1";
V5_SECTIONS[PUBREC] = "3.5.2.1";
V5_SECTIONS[PUBREL] = "3.6.2.1";
V5_SECTIONS[PUBCOMP] = "3.7.2.1";
V5_SECTIONS[SUBACK] = "3.9.3";
V5_SECTIONS[UNSUBACK] = "3.11.3";
V5_SECTIONS[DISCONNECT] = "3.14.2.1";
V5_SECTIONS[AUTH] = "3.15.2.1";

/** Throws a ProtocolError unless `code` is defined for packet `type` in `protocolVersion`. */
export function checkReasonCode(type: number, code: number, protocolVersion: ProtocolVersion): void {
  let table: Uint8Array | undefined;
  let section: string;
  if (protocolVersion === 4) {
    table = type === CONNACK ? CONNACK_V311 : type === SUBACK ? SUBACK_V311 : undefined;
    section = type === CONNACK ? "3.2.2.3" : "3.9.3";
  } else {
    table = V5[type];
    section = V5_SECTIONS[type];
  }
  if (table === undefined) return;
  if (!(code >= 0 && code <= 0xff && table[code] === 1)) {
    throw protocolError(section, `reason code 0x${Number(code).toString(16)} is not defined for this packet`);
  }
}
