// Bytes -> packets. PacketDecoder takes the byte stream in whatever chunks the socket delivers (one byte at
// a time, or many packets at once) and hands out whole packets; decodePacket decodes exactly one.
//
// Memory rules (the decoder runs on a device with little RAM and faces untrusted peers):
// - The fixed header is checked before any of the body is buffered: reserved packet types and flag bits,
//   QoS 3, and the packet size against `maximumPacketSize`. A header announcing 256 MB is refused (or, if
//   allowed, its buffer grows only with the bytes that actually arrive): nothing is allocated from the
//   announced length.
// - A packet that lies wholly inside one chunk is decoded in place, without copying. Its payload and other
//   binary fields (password, correlation data, ...) are then views (subarrays) of that chunk: if the caller
//   reuses the chunk's memory after push() returns, it must copy what it keeps. A packet split across
//   chunks is assembled in a buffer of its own that the decoder forgets once the packet is delivered, so
//   its views alias nothing else.
// - The decoder keeps no reference to a caller's chunk after push() returns; only the bytes of an
//   incomplete packet are copied and kept.
import { ProtocolError, protocolError, malformed } from "./protocol-error.js";
import { decodeBody } from "./decode-body.js";
import { CONNECT, MAX_VARIABLE_BYTE_INTEGER, PUBLISH, checkFirstByte, variableByteIntegerLength } from "./fixed-header.js";
import type { Packet, ProtocolVersion, Publish, QoS } from "./packets.js";
import { sectionsFor } from "./sections.js";
import { decodeUtf8 } from "../common/utf8.js";

type OnPacket = (this: unknown, packet: Packet) => void;

/**
 * Default limit on the size of a whole packet (fixed header included): the largest packet MQTT can frame
 * (1 + 4 + 268435455 bytes). Devices should pass their own, much smaller, limit.
 */
export const DEFAULT_MAXIMUM_PACKET_SIZE = 1 + 4 + MAX_VARIABLE_BYTE_INTEGER;

/** Smallest buffer started for a packet split across chunks; it grows by doubling up to the packet size. */
const MIN_PARTIAL = 256;

export interface PacketDecoderOptions {
  /** 4 or 5. Leave undefined on the server side: it is taken from the first CONNECT. */
  protocolVersion?: ProtocolVersion;
  /** Largest packet accepted, counted like MQTT 5.0 Maximum Packet Size (3.1.2.11.4): the whole packet. */
  maximumPacketSize?: number;
  /**
   * What a PUBLISH larger than maximumPacketSize does: "error" (default) throws ProtocolError
   * `packet-too-large`; "skip" lets its bytes go by as they stream in, nothing buffered but its Topic Name
   * (up to 1 KiB of it) and Packet Identifier, and then delivers it with `oversize` set and an empty payload,
   * so that it can be acknowledged (3.1.1 has no way to tell a server the client's limit). Other packets
   * that large are errors either way.
   */
  oversize?: "error" | "skip";
}

/** Topic Name bytes kept of a skipped PUBLISH; a longer name is skipped too (the packet is still acked). */
const SKIPPED_TOPIC_MAX = 1024;

export class PacketDecoder {
  protocolVersion: ProtocolVersion | undefined;
  readonly maximumPacketSize: number;
  private readonly configuredVersion: ProtocolVersion | undefined;
  /** Fixed header bytes of a packet whose header is split across chunks (made when one first is). */
  private head: Uint8Array | null = null;
  private headLength = 0;
  /** Body of a packet split across chunks (only set once its header is complete and checked). */
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private bodyLength = 0;
  private first = 0;
  private readonly skipOversize: boolean;
  /** A PUBLISH too large to keep, going by (see PacketDecoderOptions.oversize). */
  private skipping: SkippedPublish | null = null;

  constructor(options: PacketDecoderOptions = {}) {
    this.configuredVersion = options.protocolVersion;
    this.protocolVersion = options.protocolVersion;
    const max = options.maximumPacketSize ?? DEFAULT_MAXIMUM_PACKET_SIZE;
    if (!(max >= 2)) throw new RangeError(`maximumPacketSize must be at least 2, got ${max}`);
    this.maximumPacketSize = max;
    this.skipOversize = options.oversize === "skip";
  }

  /** Forgets any partial packet and a protocol version learned from CONNECT (for a new connection). */
  reset(): void {
    this.dropPartial();
    this.protocolVersion = this.configuredVersion;
  }

  /**
   * Feeds the next bytes of the stream; calls onPacket for every packet completed by them, in order.
   * Throws ProtocolError for the first invalid packet: the packets before it in the chunk have been
   * delivered, the rest of the chunk is dropped, and the stream cannot be resumed (close the connection;
   * reset() before reusing the decoder). If onPacket throws, the rest of the chunk is dropped as well.
   * onPacket is called with `target` as `this` (as Array.prototype.forEach's thisArg), so a long-lived
   * caller can pass one of its methods instead of holding a closure.
   */
  push<T>(chunk: Uint8Array, onPacket: (this: T, packet: Packet) => void, target?: T): void {
    try {
      this.consume(chunk, onPacket as OnPacket, target);
    } catch (error) {
      this.dropPartial();
      throw error;
    }
  }

  private dropPartial(): void {
    this.skipping = null;
    this.headLength = 0;
    this.body = null;
    this.bodyFill = 0;
    this.bodyLength = 0;
  }

  private consume(chunk: Uint8Array, onPacket: OnPacket, target: unknown): void {
    const n = chunk.length;
    let pos = 0;
    if (this.skipping !== null) {
      pos = this.skipping.take(chunk, 0, this.protocolVersion);
      if (this.skipping.remaining > 0) return;
      const packet = this.skipping.packet();
      this.skipping = null;
      onPacket.call(target, packet);
    } else if (this.body !== null) {
      pos = this.fillBody(chunk, 0);
      if (this.bodyFill < this.bodyLength) return; // still incomplete: all of the chunk was used
      const bytes = this.body;
      this.dropPartial();
      this.deliver(this.first, bytes, 0, bytes.length, onPacket, target);
    } else if (this.headLength > 0) {
      // Complete a split fixed header (at most 5 bytes), then continue as if it had arrived whole.
      const head = this.head as Uint8Array;
      const had = this.headLength;
      const more = Math.min(5 - had, n);
      for (let k = 0; k < more; k++) head[had + k] = chunk[k];
      const remaining = readRemainingLength(head, 1, had + more, this.protocolVersion);
      if (remaining < 0) {
        this.headLength = had + more; // header still incomplete: all of the chunk was used
        return;
      }
      const first = head[0];
      const headerLength = 1 + variableByteIntegerLength(remaining);
      pos = headerLength - had;
      this.headLength = 0;
      if (this.oversized(first, headerLength, remaining)) {
        pos = this.startSkipping(first, headerLength, remaining, chunk, pos, onPacket, target);
        if (this.skipping !== null) return;
      } else if (n - pos >= remaining) {
        this.deliver(first, chunk, pos, pos + remaining, onPacket, target);
        pos += remaining;
      } else {
        this.startBody(first, remaining, chunk, pos);
        return;
      }
    }
    while (pos < n) {
      const first = chunk[pos];
      checkFirstByte(first, this.protocolVersion);
      this.checkFirstPacket(first);
      // Remaining Length: readRemainingLength() written out, as this loop runs for every packet (the
      // calls would cost about 4 % of XS decoding compute).
      let i = pos + 1;
      let remaining = 0;
      let multiplier = 1;
      let b = 0x80;
      while (i < n) {
        b = chunk[i++];
        remaining += (b & 0x7f) * multiplier;
        if ((b & 0x80) === 0) break;
        if (i - pos === 5) throw tooLongRemainingLength(this.protocolVersion);
        multiplier *= 128;
      }
      if (b & 0x80) {
        // The header itself is split: keep its bytes (at most 4) for the next chunk.
        const head = (this.head ??= new Uint8Array(5));
        for (let k = pos; k < n; k++) head[this.headLength++] = chunk[k];
        return;
      }
      if (b === 0 && i - pos > 2) throw nonMinimalRemainingLength(this.protocolVersion);
      if (this.oversized(first, i - pos, remaining)) {
        pos = this.startSkipping(first, i - pos, remaining, chunk, i, onPacket, target);
        if (this.skipping !== null) return;
      } else if (n - i >= remaining) {
        pos = i + remaining;
        this.deliver(first, chunk, i, pos, onPacket, target);
      } else {
        this.startBody(first, remaining, chunk, i);
        return;
      }
    }
  }

  /** 3.1.0-1: before the version is known (server side), the first packet must be CONNECT. */
  private checkFirstPacket(first: number): void {
    if (this.protocolVersion === undefined && first >> 4 !== CONNECT) {
      throw protocolError("3.1", "the first packet on a connection must be CONNECT");
    }
  }

  /** Larger than we accept: true when it is a PUBLISH to skip; throws for anything else. */
  private oversized(first: number, headerLength: number, remaining: number): boolean {
    if (headerLength + remaining <= this.maximumPacketSize) return false;
    if (this.skipOversize && first >> 4 === PUBLISH) return true;
    this.checkSize(headerLength, remaining);
    return false;
  }

  /** Starts letting an oversize PUBLISH go by; delivers it at once when the chunk holds all of it. Returns
   *  the position after what it took. */
  private startSkipping(first: number, headerLength: number, remaining: number, chunk: Uint8Array, from: number, onPacket: OnPacket, target: unknown): number {
    const skipped = new SkippedPublish(first, remaining, headerLength + remaining);
    const pos = skipped.take(chunk, from, this.protocolVersion);
    if (skipped.remaining > 0) {
      this.skipping = skipped;
      return pos;
    }
    onPacket.call(target, skipped.packet());
    return pos;
  }

  private checkSize(headerLength: number, remaining: number): void {
    const size = headerLength + remaining;
    if (size > this.maximumPacketSize) {
      throw new ProtocolError(
        "packet-too-large",
        sectionsFor(this.protocolVersion).maximumPacketSize,
        `packet of ${size} bytes exceeds the maximum packet size ${this.maximumPacketSize}`,
      );
    }
  }

  /** Starts assembling a packet whose body continues in later chunks. */
  private startBody(first: number, remaining: number, chunk: Uint8Array, from: number): void {
    this.first = first;
    this.bodyLength = remaining;
    this.bodyFill = 0;
    this.body = new Uint8Array(Math.min(remaining, Math.max(MIN_PARTIAL, 2 * (chunk.length - from))));
    this.fillBody(chunk, from);
  }

  /**
   * Copies as much of the body as `chunk` holds from `from`; returns the position after what was used.
   * When the body is complete, `body` holds exactly its bytes.
   */
  private fillBody(chunk: Uint8Array, from: number): number {
    let body = this.body as Uint8Array;
    const take = Math.min(this.bodyLength - this.bodyFill, chunk.length - from);
    const need = this.bodyFill + take;
    if (need > body.length) {
      // Grow with what has actually arrived, never straight to the announced length.
      const grown = new Uint8Array(Math.min(this.bodyLength, Math.max(need, 2 * body.length)));
      grown.set(body.subarray(0, this.bodyFill));
      body = this.body = grown;
    }
    body.set(chunk.subarray(from, from + take), this.bodyFill);
    this.bodyFill = need;
    if (need < this.bodyLength) return from + take;
    // Complete: hand the caller a buffer of exactly the body; consume() picks it up through `body`.
    if (body.length !== this.bodyLength) this.body = body.subarray(0, this.bodyLength);
    return from + take;
  }

  private deliver(first: number, bytes: Uint8Array, start: number, end: number, onPacket: OnPacket, target: unknown): void {
    const packet = decodeBody(first, bytes, start, end, this.protocolVersion);
    if (packet.type === "connect") this.protocolVersion = packet.protocolVersion;
    onPacket.call(target, packet);
  }
}

/**
 * Decodes exactly one whole packet: a truncated packet or bytes after it are Malformed Packet errors.
 * Binary fields and the payload are views of `bytes`.
 */
export function decodePacket(bytes: Uint8Array, protocolVersion: ProtocolVersion): Packet {
  const s = sectionsFor(protocolVersion);
  if (bytes.length < 2) throw malformed(s.remainingLength, "a packet has at least 2 bytes");
  const first = bytes[0];
  checkFirstByte(first, protocolVersion);
  const remaining = readRemainingLength(bytes, 1, bytes.length, protocolVersion);
  if (remaining < 0) throw malformed(s.remainingLength, "the Remaining Length is truncated");
  const i = 1 + variableByteIntegerLength(remaining);
  if (bytes.length - i !== remaining) {
    throw malformed(
      s.remainingLength,
      bytes.length - i < remaining
        ? `truncated packet: Remaining Length ${remaining}, ${bytes.length - i} bytes present`
        : `${bytes.length - i - remaining} bytes after the end of the packet`,
    );
  }
  return decodeBody(first, bytes, i, bytes.length, protocolVersion);
}

/**
 * The Remaining Length (a Variable Byte Integer of at most 4 bytes, 2.2.3 / 5.0 1.5.5) starting at
 * `bytes[from]`, or -1 when it continues past `end`. It takes 1 + variableByteIntegerLength(value)
 * bytes, since a longer (not minimal) encoding is refused.
 */
function readRemainingLength(bytes: Uint8Array, from: number, end: number, v: ProtocolVersion | undefined): number {
  let remaining = 0;
  let multiplier = 1;
  for (let i = from; i < end; ) {
    const b = bytes[i++];
    remaining += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) {
      if (b === 0 && i - from > 1) throw nonMinimalRemainingLength(v);
      return remaining;
    }
    if (i - from === 4) throw tooLongRemainingLength(v);
    multiplier *= 128;
  }
  return -1;
}

function tooLongRemainingLength(v: ProtocolVersion | undefined): ProtocolError {
  return malformed(sectionsFor(v).remainingLength, "the Remaining Length must not be longer than 4 bytes");
}

/** 5.0 [MQTT-1.5.5-1]: a Variable Byte Integer uses the fewest bytes that hold its value. */
function nonMinimalRemainingLength(v: ProtocolVersion | undefined): ProtocolError {
  return malformed(sectionsFor(v).remainingLength, "the Remaining Length is not minimally encoded");
}

/**
 * An oversize PUBLISH going by, byte by byte across chunks: the two-byte Topic Name length, the Topic Name
 * (kept up to SKIPPED_TOPIC_MAX bytes), the Packet Identifier when QoS > 0 (3.3.2), then everything else
 * unread. 3.1.1 only: an MQTT 5 server must not send a packet above the client's Maximum Packet Size
 * [MQTT-3.1.2-24], so there it stays an error.
 */
class SkippedPublish {
  /** Body bytes still to come. */
  remaining: number;
  private readonly qos: QoS;
  private lengthBytes = 0; // of the Topic Name length (2)
  private topicLength = 0;
  private topicRead = 0;
  private topic: Uint8Array | null = null;
  private idBytes = 0; // of the Packet Identifier (2, when QoS > 0)
  private packetId = 0;

  constructor(
    private readonly first: number,
    remaining: number,
    private readonly size: number,
  ) {
    this.remaining = remaining;
    this.qos = ((first >> 1) & 3) as QoS;
  }

  /** Takes what belongs to this packet from chunk[from..]; returns the position after it. */
  take(chunk: Uint8Array, from: number, v: ProtocolVersion | undefined): number {
    let pos = from;
    const end = Math.min(chunk.length, from + this.remaining);
    while (pos < end) {
      if (this.lengthBytes < 2) {
        this.topicLength = (this.topicLength << 8) | chunk[pos++];
        if (++this.lengthBytes === 2) this.topic = new Uint8Array(Math.min(this.topicLength, SKIPPED_TOPIC_MAX));
      } else if (this.topicRead < this.topicLength) {
        const n = Math.min(end - pos, this.topicLength - this.topicRead);
        const topic = this.topic as Uint8Array;
        if (this.topicRead < topic.length) topic.set(chunk.subarray(pos, pos + Math.min(n, topic.length - this.topicRead)), this.topicRead);
        this.topicRead += n;
        pos += n;
      } else if (this.qos > 0 && this.idBytes < 2) {
        this.packetId = (this.packetId << 8) | chunk[pos++];
        this.idBytes++;
      } else {
        pos = end; // the rest, never looked at
      }
    }
    this.remaining -= pos - from;
    if (this.remaining === 0 && (this.lengthBytes < 2 || this.topicRead < this.topicLength || (this.qos > 0 && this.idBytes < 2))) {
      throw malformed(sectionsFor(v).remainingLength, "a PUBLISH shorter than its Topic Name and Packet Identifier");
    }
    return pos;
  }

  packet(): Publish {
    const topic = this.topic as Uint8Array;
    const packet: Publish = {
      type: "publish",
      topic: decodeUtf8(topic, 0, topic.length, "3.3.2.1"),
      payload: new Uint8Array(0),
      qos: this.qos,
      retain: (this.first & 1) === 1,
      dup: (this.first & 8) === 8,
      oversize: this.size,
    };
    if (this.qos > 0) packet.packetId = this.packetId;
    return packet;
  }
}
