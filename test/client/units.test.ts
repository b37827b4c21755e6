// Unit and property tests of the client's small parts: output buffer, queue, packet ids, topic aliases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageState, type OutgoingMessage } from "../../firmware/mqtt/client/outgoing.js";
import { OutputBuffer } from "../../firmware/mqtt/client/output.js";
import { OutgoingQueue } from "../../firmware/mqtt/client/outgoing.js";
import { IncomingTopicAliases, OutgoingTopicAliases } from "../../firmware/mqtt/client/topic-aliases.js";
import type { Publish } from "../../firmware/mqtt/codec/packets.js";
import type { BufferLike, Socket } from "../../firmware/platform/ports.js";
import { PacketIds } from "../../firmware/mqtt/client/session.js";

const message = (size: number): OutgoingMessage => ({
  topic: "t",
  payload: new Uint8Array(0),
  qos: 0,
  retain: false,
  properties: undefined,
  done: undefined,
  target: undefined,
  packetId: 0,
  state: MessageState.Queued,
  size,
});

describe("OutputBuffer", () => {
  it("writes exactly the pushed bytes, in order, never more than the writable count per write; owners complete when their last byte is written", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 50 }),
        (chunks, windows) => {
          const out = new OutputBuffer();
          const owners = chunks.map((c) => message(c.length));
          chunks.forEach((c, i) => out.push(c, owners[i]));
          const written: number[] = [];
          const completed: OutgoingMessage[] = [];
          let limit = 0;
          const socket: Socket = {
            read: () => undefined,
            write(bytes: BufferLike) {
              const view = bytes as Uint8Array;
              if (view.length > limit) throw new Error("exceeded");
              written.push(...view);
              limit -= view.length;
              return limit;
            },
            close() {},
          };
          let w = 0;
          while (out.length > 0) {
            limit = windows[w++ % windows.length];
            out.flush(socket, limit, {
              complete(m) {
                completed.push(m);
                // A completion means every byte of that chunk has been written.
                const end = chunks.slice(0, owners.indexOf(m) + 1).reduce((n, c) => n + c.length, 0);
                expect(written.length).toBeGreaterThanOrEqual(end);
              },
            });
          }
          expect(written).toEqual(chunks.flatMap((c) => [...c]));
          expect(completed).toEqual(owners);
        },
      ),
    );
  });

  it("clear() returns the owners whose bytes never fully went out", () => {
    const out = new OutputBuffer();
    const a = message(4);
    const b = message(4);
    out.push(new Uint8Array(4), a);
    out.push(new Uint8Array(4), b);
    const socket: Socket = { read: () => undefined, write: () => 0, close() {} };
    out.flush(socket, 6, { complete: () => undefined });
    expect(out.clear()).toEqual([b]);
    expect(out.length).toBe(0);
  });
});

describe("OutgoingQueue", () => {
  it("keeps FIFO order through shift and unshiftAll, and accounts bytes", () => {
    const q = new OutgoingQueue(10, 1000);
    const ms = Array.from({ length: 200 }, (_, i) => message(i + 1));
    for (const m of ms.slice(0, 150)) q.push(m);
    const taken = Array.from({ length: 100 }, () => q.shift()!);
    q.unshiftAll(taken.slice(90));
    expect(q.length).toBe(60);
    expect(q.byteLength).toBe([...taken.slice(90), ...ms.slice(100, 150)].reduce((n, m) => n + m.size, 0));
    expect(q.drain()).toEqual([...taken.slice(90), ...ms.slice(100, 150)]);
  });

  it("fits() counts what is held elsewhere (in flight) against both limits", () => {
    const q = new OutgoingQueue(3, 100);
    q.push(message(40));
    expect(q.fits(40, 1, 0)).toBe(true);
    expect(q.fits(40, 2, 0)).toBe(false); // 1 queued + 2 in flight = 3
    expect(q.fits(40, 0, 30)).toBe(false); // 40 + 30 + 40 > 100
  });
});

describe("PacketIds", () => {
  it("hands out non-zero identifiers no holder holds, round-robin, and 0 when all 65535 are held", () => {
    const inflight = new Map<number, string>();
    const pending = new Map<number, string>();
    const ids = new PacketIds(inflight, pending);
    for (let i = 0; i < 65535; i++) {
      const id = ids.allocate();
      expect(id).toBeGreaterThan(0);
      expect(inflight.has(id) || pending.has(id)).toBe(false);
      (i % 2 ? pending : inflight).set(id, "held");
    }
    expect(inflight.size + pending.size).toBe(65535);
    expect(ids.allocate()).toBe(0);
    pending.delete(1234); // its exchange ended: free again
    expect(ids.allocate()).toBe(1234);
  });

  it("goes round-robin: an identifier just freed is not the next one handed out", () => {
    const held = new Map<number, string>();
    const ids = new PacketIds(held, new Map());
    held.set(ids.allocate(), "a");
    expect(ids.allocate()).toBe(2);
    held.delete(1);
    expect(ids.allocate()).toBe(3);
  });
});

describe("topic aliases", () => {
  it("outgoing: assigns up to the maximum, reuses, and forget() undoes an assignment that was not sent", () => {
    const a = new OutgoingTopicAliases();
    a.reset(2);
    expect(a.aliasFor("x")).toBe(-1);
    expect(a.aliasFor("x")).toBe(1);
    a.aliasFor("y");
    a.forget("y");
    expect(a.aliasFor("y")).toBe(-2);
    expect(a.aliasFor("z")).toBe(0);
    a.reset(2); // new connection: aliases start over (3.3.2.3.4)
    expect(a.aliasFor("x")).toBe(-1);
  });

  it("incoming: maps aliases, rejects 0, out-of-range and unknown aliases with Topic Alias Invalid (0x94); an empty topic without alias is a protocol error", () => {
    const aliases = new IncomingTopicAliases(3);
    const p = (topic: string, topicAlias?: number): Publish => ({
      type: "publish",
      topic,
      payload: new Uint8Array(0),
      qos: 0,
      retain: false,
      dup: false,
      properties: topicAlias === undefined ? undefined : { topicAlias },
    });
    aliases.resolve(p("a/b", 1));
    const later = p("", 1);
    aliases.resolve(later);
    expect(later.topic).toBe("a/b");
    for (const bad of [p("", 2), p("x", 0), p("x", 4)]) {
      expect(() => aliases.resolve(bad)).toThrow(expect.objectContaining({ code: "protocol-error", reasonCode: 0x94 }));
    }
    expect(() => aliases.resolve(p(""))).toThrow(expect.objectContaining({ code: "protocol-error", section: "3.3.2.1" }));
  });
});
