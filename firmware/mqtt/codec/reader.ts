// A cursor over one packet's bytes. Every read is bounded by `end`: a field that would run past it is a
// Malformed Packet naming the packet's section (e.g. "3.3" for PUBLISH), never a silent short read.
import { type ProtocolError, malformed } from "./protocol-error.js";
import { decodeUtf8 } from "../common/utf8.js";

const EMPTY = new Uint8Array(0);

export class Reader {
  bytes: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  /** Section of the packet being read, cited when a field is truncated or bytes are left over. */
  section = "";
  /** Section of the UTF-8 string rule in this packet's protocol version. */
  utf8Section = "1.5.4";

  reset(bytes: Uint8Array, start: number, end: number, section: string, utf8Section: string): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.section = section;
    this.utf8Section = utf8Section;
  }

  /** Drops the reference to the caller's bytes once a packet is decoded. */
  release(): void {
    this.bytes = EMPTY;
  }

  truncated(what: string): ProtocolError {
    return malformed(this.section, `${what} runs past the end of the packet`);
  }

  u8(what: string): number {
    if (this.pos >= this.end) throw this.truncated(what);
    return this.bytes[this.pos++];
  }

  u16(what: string): number {
    const p = this.pos;
    if (p + 2 > this.end) throw this.truncated(what);
    this.pos = p + 2;
    return (this.bytes[p] << 8) | this.bytes[p + 1];
  }

  u32(what: string): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated(what);
    this.pos = p + 4;
    const b = this.bytes;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** Variable Byte Integer (5.0 section 1.5.5): at most 4 bytes, and no more than its value needs. */
  varint(what: string): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what);
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw malformed("1.5.5", `${what}: a Variable Byte Integer must use the fewest bytes`);
        return value;
      }
      multiplier *= 0x80;
    }
    throw malformed("1.5.5", `${what}: a Variable Byte Integer must not be longer than 4 bytes`);
  }

  /** Skips a field with a two-byte length prefix (strings, binary data); returns its start, `pos` is its end. */
  field(what: string): number {
    const n = this.u16(what);
    const start = this.pos;
    if (start + n > this.end) throw this.truncated(what);
    this.pos = start + n;
    return start;
  }

  utf8(what: string): string {
    const start = this.field(what);
    return decodeUtf8(this.bytes, start, this.pos, this.utf8Section);
  }

  /** Binary Data (1.5.6): a view of the packet bytes, not a copy. */
  binary(what: string): Uint8Array {
    const start = this.field(what);
    return this.bytes.subarray(start, this.pos);
  }

  /** Everything up to `end` (the PUBLISH payload): a view, not a copy. */
  rest(): Uint8Array {
    const start = this.pos;
    this.pos = this.end;
    return this.bytes.subarray(start, this.end);
  }

  /** No bytes may follow the last field of a packet. */
  expectEnd(): void {
    if (this.pos !== this.end) throw malformed(this.section, `${this.end - this.pos} unexpected bytes after the last field`);
  }
}
