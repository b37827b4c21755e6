// Where the two specifications number the same rule differently. A ProtocolError names the section of
// the spec its packet follows; rules numbered alike in both (e.g. 3.3.1.2 QoS, 4.7 topics) are written
// inline where they are enforced.
import type { ProtocolVersion } from "./packets.js";

export interface Sections {
  /** UTF-8 Encoded String. */
  readonly utf8: string;
  /** Control Packet type (reserved values). */
  readonly packetType: string;
  /** Fixed header flags. */
  readonly flags: string;
  /** Remaining Length (and its Variable Byte Integer encoding). */
  readonly remainingLength: string;
  /** Packet Identifier (non-zero). */
  readonly packetId: string;
  /** CONNACK Connect Return code / Connect Reason Code. */
  readonly connackCode: string;
  /** Largest packet the receiver accepts. 3.1.1 has no such rule: its limit is the Remaining Length's. */
  readonly maximumPacketSize: string;
}

export const SECTIONS_V311: Sections = {
  utf8: "1.5.3",
  packetType: "2.2.1",
  flags: "2.2.2",
  remainingLength: "2.2.3",
  packetId: "2.3.1",
  connackCode: "3.2.2.3",
  maximumPacketSize: "2.2.3",
};

export const SECTIONS_V5: Sections = {
  utf8: "1.5.4",
  packetType: "2.1.2",
  flags: "2.1.3",
  remainingLength: "2.1.4",
  packetId: "2.2.1",
  connackCode: "3.2.2.2",
  maximumPacketSize: "3.1.2.11.4",
};

/** The section table for a protocol version; before CONNECT has told the version, the 5.0 numbering. */
export function sectionsFor(protocolVersion: ProtocolVersion | undefined): Sections {
  return protocolVersion === 4 ? SECTIONS_V311 : SECTIONS_V5;
}
