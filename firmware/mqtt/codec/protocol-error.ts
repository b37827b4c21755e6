// Typed errors a caller can act on. Each names the spec section it enforces, so a reader can grep for it.
import { CodedError } from "../common/coded-error.js";

/** MQTT 5.0 reason codes the codec can ask the client to send in DISCONNECT (section 2.4). */
export const ReasonCode = {
  Success: 0x00,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  PacketTooLarge: 0x95,
  TopicAliasInvalid: 0x94,
  ReceiveMaximumExceeded: 0x93,
  KeepAliveTimeout: 0x8d,
} as const;

export type ProtocolErrorCode = "malformed-packet" | "protocol-error" | "packet-too-large";

/**
 * A packet (ours or the peer's) that breaks the MQTT spec. `section` is the violated section of the spec
 * the packet's protocol version follows (e.g. "2.2.3" or "1.5.4"); `reasonCode` is the MQTT 5.0 reason
 * code to send in DISCONNECT before closing the connection.
 */
export class ProtocolError extends CodedError<ProtocolErrorCode> {
  override readonly name: string = "ProtocolError";
  readonly section: string;
  readonly reasonCode: number;
  /** `reasonCode`: one more specific than the code's (e.g. 0x94 Topic Alias invalid, 0x93 Receive Maximum
   *  exceeded). */
  constructor(code: ProtocolErrorCode, section: string, message: string, reasonCode?: number) {
    super(code, `MQTT ${section}: ${message}`);
    this.section = section;
    this.reasonCode =
      reasonCode ??
      (code === "packet-too-large"
        ? ReasonCode.PacketTooLarge
        : code === "malformed-packet"
          ? ReasonCode.MalformedPacket
          : ReasonCode.ProtocolError);
  }
}

/** Shorthands used by the codec. */
export function malformed(section: string, message: string): ProtocolError {
  return new ProtocolError("malformed-packet", section, message);
}
export function protocolError(section: string, message: string, reasonCode?: number): ProtocolError {
  return new ProtocolError("protocol-error", section, message, reasonCode);
}
