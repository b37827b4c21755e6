// A small CBOR decoder for tests only (RFC 8949 section 3), written independently of the encoder's
// structure: it reads bytes and checks the encoder's output and its preferred-serialization claims.
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

export interface Decoded {
  value: unknown;
  /** Every head used the shortest argument form (section 4.2.1). */
  preferred: boolean;
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function decodeCbor(bytes: Uint8Array): Decoded {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let preferred = true;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new Error(`truncated at ${pos}`);
  };
  const argument = (info: number): number => {
    if (info < 24) return info;
    let v: number;
    if (info === 24) {
      need(1);
      v = bytes[pos];
      pos += 1;
      if (v < 24) preferred = false;
    } else if (info === 25) {
      need(2);
      v = view.getUint16(pos);
      pos += 2;
      if (v < 0x100) preferred = false;
    } else if (info === 26) {
      need(4);
      v = view.getUint32(pos);
      pos += 4;
      if (v < 0x10000) preferred = false;
    } else if (info === 27) {
      need(8);
      v = view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
      pos += 8;
      if (v < 2 ** 32) preferred = false;
    } else throw new Error(`reserved/indefinite additional info ${info}`);
    return v;
  };
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const item = (): unknown => {
    need(1);
    const ib = bytes[pos++];
    const major = ib >> 5;
    const info = ib & 0x1f;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25) {
        need(2);
        const h = view.getUint16(pos);
        pos += 2;
        return halfToNumber(h);
      }
      if (info === 26) {
        need(4);
        const f = view.getFloat32(pos);
        pos += 4;
        return f;
      }
      if (info === 27) {
        need(8);
        const f = view.getFloat64(pos);
        pos += 8;
        return f;
      }
      throw new Error(`unsupported simple/float ${info}`);
    }
    const arg = argument(info);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2: {
        need(arg);
        const out = bytes.slice(pos, pos + arg);
        pos += arg;
        return out;
      }
      case 3: {
        need(arg);
        const s = utf8.decode(bytes.subarray(pos, pos + arg));
        pos += arg;
        return s;
      }
      case 4: {
        const out: unknown[] = [];
        for (let i = 0; i < arg; i++) out.push(item());
        return out;
      }
      case 5: {
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < arg; i++) {
          const k = item();
          out.set(k, item());
        }
        return out;
      }
      default:
        return new Tagged(arg, item());
    }
  };
  const value = item();
  if (pos !== bytes.length) throw new Error(`${bytes.length - pos} trailing bytes`);
  return { value, preferred };
}
