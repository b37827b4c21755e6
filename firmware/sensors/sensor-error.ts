// Typed sensor errors a caller can act on: values with a `code` (see firmware/mqtt/common/coded-error.ts).
import { CodedError } from "../mqtt/common/coded-error.js";

export type SensorErrorCode =
  /** Nothing acknowledged at the address: chip missing, unpowered or wired to other pins. */
  | "absent"
  /** Something answered, but its identity register says it is another part. */
  | "wrong-part"
  /** A transfer failed after the chip had been found (NACK, arbitration loss, timeout on the wire). */
  | "bus"
  /** The chip did not finish an operation (e.g. a soft reset) in the allowed number of polls. */
  | "timeout"
  /** A configuration value the part does not support. */
  | "invalid-config";

export class SensorError extends CodedError<SensorErrorCode> {
  override readonly name: string = "SensorError";
  /** The part's name, e.g. "MAX30102". */
  readonly part: string;
  /** The 7-bit I2C address involved. */
  readonly address: number;
  constructor(code: SensorErrorCode, part: string, address: number, message: string, cause?: unknown) {
    super(code, `${part} at 0x${address.toString(16)}: ${message}`, cause === undefined ? undefined : { cause });
    this.part = part;
    this.address = address;
  }
}
