// The device's credentials store: its private key, its certificate (and any intermediates), and the CA
// certificates it trusts, in a raw flash partition of their own (the `identity` partition on esp32, a file
// under the simulator's HOME on lin), apart from the application image: a firmware update never writes
// there, and one image serves every device. The partition is read in place (mapped), so TLS reads the
// credentials where they are, as it read them from resources before.
//
// Two slots, each one half of the partition, each holding one record:
//
//   offset  0  magic "WID1"          u32 big-endian, as every field
//           4  generation            one more than the record it replaces
//           8  body length
//          12  CRC-32 of bytes 0..12 and the body
//          16  confirmed word        0xFFFFFFFF (erased) until the record has connected once, then written
//          20  abandoned word        0xFFFFFFFF until the broker refused the record, then written
//          24  reserved (8 bytes, 0xFF)
//          32  body: entries of kind u8, 0 u8, length u16, then the DER bytes
//                kind 1 the PKCS#8 key, 2 the certificate, 3 an intermediate (sent after the certificate),
//                4 a trusted CA certificate (one or more)
//
// The newest valid record that was not abandoned is used. A renewed certificate is written as a new record
// in the other slot (erase, body, then the header that makes it valid), so a power cut at any moment leaves
// either the old record alone or both: the old one stays until the new one has connected once. A new record
// is on trial until then: if the broker refuses it, it is abandoned and the old one is used again. The
// confirmed and abandoned words are written over erased flash without an erase (NOR: bits go 1 -> 0 only),
// and outside the CRC, so writing them cannot damage the record.
import type { FlashPartition } from "../platform/ports.js";
import { crc32 } from "../telemetry/crc32.js";
import { readU32, writeU32 } from "../telemetry/outbox-slot.js";
import { IdentityError } from "./identity-error.js";

const MAGIC = 0x57494431; // "WID1"
const HEADER = 32;
const CRC_AT = 12;
const CONFIRMED_AT = 16;
const ABANDONED_AT = 20;
const ERASED = 0xffffffff;
const ENTRY = 4;

export const ENTRY_KIND = { key: 1, certificate: 2, chain: 3, authority: 4 } as const;

/** One record's DER, as views of the partition (or of the bytes given to encodeRecord). */
export interface Credentials {
  key: Uint8Array;
  certificate: Uint8Array;
  /** Intermediate certificates, sent after the certificate. */
  chain: Uint8Array[];
  /** Trusted CA certificates (the broker's chain must lead to one). */
  authorities: Uint8Array[];
}

/** A record (header and body) holding `credentials`, as written to a slot; `confirmed` for a provisioned one. */
export function encodeRecord(credentials: Credentials, generation: number, confirmed: boolean): Uint8Array {
  const entries: [number, Uint8Array][] = [[ENTRY_KIND.key, credentials.key], [ENTRY_KIND.certificate, credentials.certificate]];
  for (const c of credentials.chain) entries.push([ENTRY_KIND.chain, c]);
  for (const c of credentials.authorities) entries.push([ENTRY_KIND.authority, c]);
  let length = 0;
  for (const [, bytes] of entries) {
    if (bytes.length > 0xffff) throw new IdentityError("store-full", `a credential of ${bytes.length} bytes (at most 65535)`);
    length += ENTRY + bytes.length;
  }
  const record = new Uint8Array(HEADER + length).fill(0xff);
  let at = HEADER;
  for (const [kind, bytes] of entries) {
    record[at] = kind;
    record[at + 1] = 0;
    record[at + 2] = bytes.length >> 8;
    record[at + 3] = bytes.length & 0xff;
    record.set(bytes, at + ENTRY);
    at += ENTRY + bytes.length;
  }
  writeU32(record, 0, MAGIC);
  writeU32(record, 4, generation);
  writeU32(record, 8, length);
  writeU32(record, CRC_AT, crc32(record, HEADER, record.length, crc32(record, 0, CRC_AT)));
  if (confirmed) writeU32(record, CONFIRMED_AT, 0);
  return record;
}

/** A partition image of `size` bytes (erased flash) with `credentials` as its one, confirmed, record: what
 *  provisioning writes to the device. */
export function partitionImage(credentials: Credentials, size: number): Uint8Array {
  const record = encodeRecord(credentials, 1, true);
  if (record.length > size / 2) throw new IdentityError("store-full", `credentials of ${record.length} bytes do not fit a slot of ${size / 2}`);
  const image = new Uint8Array(size).fill(0xff);
  image.set(record, 0);
  return image;
}

/** The entries of a record's body, as views; undefined when they do not make one whole set. */
function entriesOf(bytes: Uint8Array, from: number, to: number): Credentials | undefined {
  let key: Uint8Array | undefined;
  let certificate: Uint8Array | undefined;
  const chain: Uint8Array[] = [];
  const authorities: Uint8Array[] = [];
  for (let at = from; at < to; ) {
    if (at + ENTRY > to) return undefined;
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const end = at + ENTRY + length;
    if (end > to) return undefined;
    const view = bytes.subarray(at + ENTRY, end);
    const kind = bytes[at];
    if (kind === ENTRY_KIND.key) key = view;
    else if (kind === ENTRY_KIND.certificate) certificate = view;
    else if (kind === ENTRY_KIND.chain) chain.push(view);
    else if (kind === ENTRY_KIND.authority) authorities.push(view);
    at = end;
  }
  if (!key || !certificate || authorities.length === 0) return undefined;
  return { key, certificate, chain, authorities };
}

/** No slot. */
const NONE = -1;

export class CredentialStore {
  readonly #flash: FlashPartition;
  /** Offset of the record in use, NONE when the store is empty. What a record says is read from flash
   *  when needed, not kept. */
  #active = NONE;
  /** While the record in use is on trial: the offset of the confirmed one it replaces, kept until it has
   *  connected; NONE otherwise. */
  #previous = NONE;

  constructor(flash: FlashPartition) {
    this.#flash = flash;
    if (this.slotSize % flash.blockSize !== 0) throw new IdentityError("store-full", `a partition of ${flash.bytes.length} bytes cannot hold two slots of whole ${flash.blockSize}-byte blocks`);
    this.choose();
  }

  private get slotSize(): number {
    return this.#flash.bytes.length / 2;
  }

  /** Whether the store holds an identity. */
  get provisioned(): boolean {
    return this.#active !== NONE;
  }

  /** The identity in use (views of the partition); throws IdentityError "no-credentials" without one. */
  get credentials(): Credentials {
    const at = this.#active;
    if (at === NONE) throw new IdentityError("no-credentials", "the credentials store is empty: provision the device (npm run provision)");
    const bytes = this.#flash.bytes;
    return entriesOf(bytes, at + HEADER, at + HEADER + readU32(bytes, at + 8)) as Credentials;
  }

  /** The identity in use has not connected yet, and the one it replaces is kept until it has. */
  get onTrial(): boolean {
    return this.#previous !== NONE;
  }

  /** The identity in use with `certificate` instead of its own, written to the other slot and used from now
   *  on, on trial. The key, the intermediates and the CAs are the current ones. */
  stage(certificate: Uint8Array): void {
    const current = this.#active;
    if (current === NONE) throw new IdentityError("no-credentials", "nothing to renew: the credentials store is empty");
    // The other slot holds the record a trial would fall back to: it must not be overwritten before then.
    if (this.onTrial) throw new IdentityError("renewal-invalid", "the renewed certificate in use has not connected yet");
    const { key, chain, authorities } = this.credentials;
    const record = encodeRecord({ key, certificate, chain, authorities }, (readU32(this.#flash.bytes, current + 4) + 1) >>> 0, false);
    const slotSize = this.slotSize;
    if (record.length > slotSize) throw new IdentityError("store-full", `a record of ${record.length} bytes does not fit a slot of ${slotSize}`);
    const offset = current === 0 ? slotSize : 0;
    const flash = this.#flash;
    const first = offset / flash.blockSize;
    const blocks = Math.ceil(record.length / flash.blockSize);
    for (let b = 0; b < blocks; b++) flash.erase(first + b);
    // The body first, the header last: until the header is whole the slot is not a record at all.
    flash.write(offset + HEADER, record.subarray(HEADER));
    flash.write(offset, record.subarray(0, CONFIRMED_AT));
    this.choose();
  }

  /** The record on trial has connected: it is the identity from now on. */
  confirm(): void {
    if (!this.onTrial) return;
    this.#flash.write(this.#active + CONFIRMED_AT, new Uint8Array(4));
    this.choose();
  }

  /** The broker refused the record on trial: back to the one it replaced. */
  abandon(): void {
    if (!this.onTrial) return;
    this.#flash.write(this.#active + ABANDONED_AT, new Uint8Array(4));
    this.choose();
  }

  /** Reads both slots and picks the record to use: the newest whole one not abandoned; when it is not
   *  confirmed, the other, confirmed, one stays behind it. (A record on trial with nothing to fall back to
   *  is all there is: it is used as confirmed.) */
  private choose(): void {
    const bytes = this.#flash.bytes;
    const other = this.slotSize;
    const first = this.valid(0);
    const second = this.valid(other);
    let active = NONE;
    let previous = NONE;
    if (first && second) {
      const newer = readU32(bytes, other + 4) > readU32(bytes, 4) ? other : 0;
      const older = newer === 0 ? other : 0;
      active = newer;
      if (!this.confirmed(newer) && this.confirmed(older)) previous = older;
    } else if (first) active = 0;
    else if (second) active = other;
    this.#active = active;
    this.#previous = previous;
  }

  private confirmed(offset: number): boolean {
    return readU32(this.#flash.bytes, offset + CONFIRMED_AT) !== ERASED;
  }

  /** Whether the slot at `offset` holds a whole record that was not abandoned. */
  private valid(offset: number): boolean {
    const bytes = this.#flash.bytes;
    if (readU32(bytes, offset) !== MAGIC) return false;
    const length = readU32(bytes, offset + 8);
    if (length > this.slotSize - HEADER) return false;
    const end = offset + HEADER + length;
    if (crc32(bytes, offset + HEADER, end, crc32(bytes, offset, offset + CRC_AT)) !== readU32(bytes, offset + CRC_AT)) return false;
    if (readU32(bytes, offset + ABANDONED_AT) !== ERASED) return false;
    return entriesOf(bytes, offset + HEADER, end) !== undefined;
  }
}
