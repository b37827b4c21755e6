// Bytes waiting for the socket. The ECMA-419 socket takes at most the count it last reported through
// onWritable, so encoded packets wait here and go out in writes that never exceed it; small packets are
// coalesced into one write. QoS 0 messages complete once their last byte has been handed to the socket.
import type { OutgoingMessage } from "./outgoing.js";
import type { Socket } from "../../platform/ports.js";

/** Told when a message's bytes have all been handed to the socket (the client: no closure for it). */
export interface WrittenOwner {
  complete(message: OutgoingMessage): void;
}

export class OutputBuffer {
  private readonly chunks: Uint8Array[] = [];
  private readonly owners: (OutgoingMessage | undefined)[] = [];
  private head = 0;
  /** Bytes of chunks[head] already written. */
  private offset = 0;
  private pending = 0;

  /** Bytes not yet written. */
  get length(): number {
    return this.pending;
  }

  push(bytes: Uint8Array, owner?: OutgoingMessage): void {
    this.chunks.push(bytes);
    this.owners.push(owner);
    this.pending += bytes.length;
  }

  /**
   * Write as much as `writable` allows. Returns the socket's new writable count; `written.complete` is
   * called for each owner whose chunk was completely written.
   */
  flush(socket: Socket, writable: number, written: WrittenOwner): number {
    while (this.pending > 0 && writable > 0) {
      const first = this.chunks[this.head];
      let size = Math.min(this.pending, writable);
      let out: Uint8Array;
      if (first.length - this.offset >= size) {
        out = first.subarray(this.offset, this.offset + size);
      } else {
        out = new Uint8Array(size);
        let at = 0;
        for (let i = this.head; at < size; i++) {
          const chunk = this.chunks[i];
          const from = i === this.head ? this.offset : 0;
          const n = Math.min(chunk.length - from, size - at);
          out.set(chunk.subarray(from, from + n), at);
          at += n;
        }
      }
      const result = socket.write(out) as number | undefined;
      writable = typeof result === "number" ? result : writable - size;
      this.pending -= size;
      // Advance past what was written, completing owners of whole chunks.
      while (size > 0) {
        const chunk = this.chunks[this.head];
        const left = chunk.length - this.offset;
        if (size >= left) {
          size -= left;
          const owner = this.owners[this.head];
          this.chunks[this.head] = EMPTY;
          this.owners[this.head] = undefined;
          this.head++;
          this.offset = 0;
          if (owner) written.complete(owner);
        } else {
          this.offset += size;
          size = 0;
        }
      }
    }
    if (this.head === this.chunks.length) {
      // Everything went out: reuse the arrays.
      this.chunks.length = 0;
      this.owners.length = 0;
      this.head = 0;
    }
    return writable;
  }

  /** Drop everything (the connection is gone); returns the owners whose bytes never fully went out. */
  clear(): OutgoingMessage[] {
    const unsent: OutgoingMessage[] = [];
    for (let i = this.head; i < this.owners.length; i++) {
      const owner = this.owners[i];
      if (owner) unsent.push(owner);
    }
    this.chunks.length = 0;
    this.owners.length = 0;
    this.head = 0;
    this.offset = 0;
    this.pending = 0;
    return unsent;
  }
}

const EMPTY = new Uint8Array(0);
