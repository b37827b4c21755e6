// Netstring framing (`<decimal length>:<bytes>,`), the wire format of xsnap-worker's fd 3 and fd 4.

export function encodeNetstring(payload: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${payload.length}:`);
  const out = new Uint8Array(head.length + payload.length + 1);
  out.set(head, 0);
  out.set(payload, head.length);
  out[out.length - 1] = 0x2c; // ","
  return out;
}

/** Incremental reader: feed chunks as they arrive, take whole messages out. */
export class NetstringReader {
  private buffer = new Uint8Array(0);

  /** Append a chunk; returns every message it completed, in order. Throws on a malformed frame. */
  push(chunk: Uint8Array): Uint8Array[] {
    const merged = new Uint8Array(this.buffer.length + chunk.length);
    merged.set(this.buffer, 0);
    merged.set(chunk, this.buffer.length);
    const messages: Uint8Array[] = [];
    let start = 0;
    for (;;) {
      const colon = merged.indexOf(0x3a, start);
      if (colon < 0) {
        if (merged.length - start > 10) throw new Error("netstring: length prefix too long");
        break;
      }
      const digits = new TextDecoder().decode(merged.subarray(start, colon));
      if (!/^\d{1,9}$/.test(digits)) throw new Error(`netstring: bad length prefix ${JSON.stringify(digits)}`);
      const length = Number(digits);
      const end = colon + 1 + length;
      if (merged.length < end + 1) break;
      if (merged[end] !== 0x2c) throw new Error("netstring: missing ',' terminator");
      messages.push(merged.slice(colon + 1, end));
      start = end + 1;
    }
    this.buffer = merged.slice(start);
    return messages;
  }
}
