// The bounded outgoing queue: messages accepted by publish() that have not entered the in-flight window
// yet. It refuses (QueueFullError) rather than grow past its message count or byte budget, so a long
// outage costs a fixed amount of RAM and the app's outbox decides what to keep.
import type { OutgoingMessage } from "./client-message.js";

export class OutgoingQueue {
  private items: (OutgoingMessage | undefined)[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Whether a message of `size` fits, given `held` messages / `heldBytes` already held elsewhere. */
  fits(size: number, held: number, heldBytes: number): boolean {
    return this.length + held < this.maxMessages && this.bytes + heldBytes + size <= this.maxBytes;
  }

  push(message: OutgoingMessage): void {
    this.items.push(message);
    this.bytes += message.size;
  }

  peek(): OutgoingMessage | undefined {
    return this.items[this.head];
  }

  shift(): OutgoingMessage | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      // Empty: start again at the front, so an idle queue holds no spent slots.
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (message) this.bytes -= message.size;
    return message;
  }

  /** Put messages back at the front, keeping their order (a lost session's in-flight messages). */
  unshiftAll(messages: OutgoingMessage[]): void {
    if (messages.length === 0) return;
    this.items = messages.concat(this.items.slice(this.head) as OutgoingMessage[]);
    this.head = 0;
    for (const m of messages) this.bytes += m.size;
  }

  /** Empty the queue, returning what it held (to fail them on close()). */
  drain(): OutgoingMessage[] {
    const rest = this.items.slice(this.head) as OutgoingMessage[];
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }
}
