// Byte plumbing shared by the differential tests and the fuzzer: joining encodings into one stream and
// feeding a stream to a decoder in pieces, as a socket would deliver it.
import type { PacketDecoder } from "../../firmware/mqtt/codec/decode.js";
import type { Packet } from "../../firmware/mqtt/codec/packets.js";

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Pushes `bytes` cut at the ascending offsets `cuts` (each within [0, bytes.length]), a fresh copy per chunk. */
export function pushInChunks(decoder: PacketDecoder, bytes: Uint8Array, cuts: number[], onPacket: (packet: Packet) => void): void {
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    decoder.push(bytes.slice(from, to), onPacket);
    from = to;
  }
}
