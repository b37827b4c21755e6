// Cutting an MQTT byte stream into packets by their fixed headers (2.2.3), for the scripted broker and the
// fault proxy. Written apart from the firmware's decoder on purpose: these tools check the codec.

/** Size of the first packet in `buffer` once all of it is there, else undefined; throws on a Remaining Length over 4 bytes. */
export function completePacketLength(buffer: Uint8Array): number | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i < buffer.length; i++) {
    const b = buffer[i];
    length += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) {
      const total = i + 1 + length;
      return buffer.length >= total ? total : undefined;
    }
    if (i >= 4) throw new Error("Remaining Length longer than 4 bytes");
  }
  return undefined;
}
