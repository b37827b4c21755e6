// The bridge's framings on their own: netstrings as the worker reads and writes them, the message format
// (JSON + raw bytes) and the binary port-call form, including how they fail on bad input.
import { describe, expect, it } from "vitest";
import { encodeNetstring, NetstringReader } from "../../host-sim/xs/netstring.js";
import { decodePortCall, encodePortCall } from "../../host-sim/xs/port-frame.js";
import { decodeMessage, encodeMessage, reviveError, toWireError } from "../../host-sim/xs/bridge-format.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";

const utf8 = { encode: (t: string) => new TextEncoder().encode(t), decode: (b: Uint8Array) => new TextDecoder().decode(b) };
const bytes = (text: string) => new TextEncoder().encode(text);

describe("netstrings", () => {
  it("frames a message and reads it back across any split of the stream", () => {
    const stream = Buffer.concat([encodeNetstring(bytes("e1+1")), encodeNetstring(new Uint8Array(0)), encodeNetstring(bytes("?é,:"))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new NetstringReader();
      const messages = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(messages.map((m) => Buffer.from(m).toString())).toEqual(["e1+1", "", "?é,:"]);
    }
  });

  it("refuses a bad length prefix and a missing terminator", () => {
    expect(() => new NetstringReader().push(bytes("x:abc,"))).toThrow(/bad length prefix/);
    expect(() => new NetstringReader().push(bytes("3:abc;"))).toThrow(/terminator/);
  });
});

describe("bridge messages", () => {
  it("carries JSON with raw bytes (arriving as ArrayBuffers), undefined fields dropped", () => {
    const frame = encodeMessage({ a: 1, skip: undefined, b: new Uint8Array([1, 2]), c: [Buffer.from([3]), { d: new Uint8Array(0).buffer }] }, utf8);
    const back = decodeMessage(frame, utf8) as { a: number; b: ArrayBuffer; c: [ArrayBuffer, { d: ArrayBuffer }] };
    expect(Object.keys(back)).toEqual(["a", "b", "c"]);
    expect([...new Uint8Array(back.b)]).toEqual([1, 2]);
    expect(back.c[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(back.c[0])]).toEqual([3]);
    expect(back.c[1].d.byteLength).toBe(0);
  });

  it("revives a typed error with its class and fields", () => {
    const wire = toWireError(new TlsError("expired", "certificate expired"));
    const error = reviveError(JSON.parse(JSON.stringify(wire)), { TlsError: TlsError.prototype });
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "expired", name: "TlsError", message: "TLS expired: certificate expired" });
  });

  it("round-trips a binary port call", () => {
    const frame = encodePortCall(3, 2, 7, 0.5, bytes("outbox"), new Uint8Array([9, 8]));
    const call = decodePortCall(frame);
    expect(call).toMatchObject({ port: "i2c", op: "write", id: 7, arg: 0.5 });
    expect(Buffer.from(call.name).toString()).toBe("outbox");
    expect([...call.bytes]).toEqual([9, 8]);
    expect(() => decodePortCall(encodePortCall(9, 0, 0, 0, undefined, undefined))).toThrow(/unknown port call/);
  });
});
