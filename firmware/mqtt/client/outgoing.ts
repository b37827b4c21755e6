// Outgoing application messages as the client holds them, from publish() until they complete: the message,
// the bounded queue they wait in for the in-flight window, and how one goes on the wire: its PUBLISH (3.3),
// with an MQTT 5 Topic Alias when the server allows them, and the resend of a session's unacknowledged flows
// when the server resumes it (4.4).
import { encode } from "../codec/encode.js";
import type { Properties, ProtocolVersion, Publish, QoS } from "../codec/packets.js";
import type { OutputBuffer } from "./output.js";
import type { OutgoingTopicAliases } from "./topic-aliases.js";

/** Where a QoS > 0 message stands in its flow (MQTT 5.0 section 4.3). */
export const MessageState = {
  Queued: 0, // waiting for a connection or a free slot in the in-flight window
  Sent: 1, // PUBLISH written, waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
  Released: 2, // QoS 2: PUBREC received, PUBREL written, waiting for PUBCOMP
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

/** Called once a message is done: with its publish()'s `target` as `this`, and the error when it failed. */
export type Completion = (this: unknown, error?: Error) => void;

export interface OutgoingMessage {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties: Properties | undefined;
  done: Completion | undefined;
  /** `this` for done (publish()'s target). */
  target: unknown;
  /** 0 until the message enters the in-flight window. */
  packetId: number;
  state: MessageState;
  /** What the message costs against the queue's byte limit. */
  size: number;
}

/** Fixed cost per message on top of topic and payload: the object, the packet header. */
export const MESSAGE_OVERHEAD = 32;

// The bounded outgoing queue: messages accepted by publish() that have not entered the in-flight window
// yet. It refuses (QueueFullError) rather than grow past its message count or byte budget, so a long
// outage costs a fixed amount of RAM and the app's outbox decides what to keep.
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

// How an outgoing message goes on the wire: its PUBLISH (3.3), with an MQTT 5 Topic Alias when the server
// allows them, and the resend of a session's unacknowledged flows when the server resumes it (4.4).
/** The PUBLISH bytes for `m`; `dup` marks a resend of a QoS 1/2 PUBLISH (3.3.1.1). */
export function encodePublish(m: OutgoingMessage, dup: boolean, protocolVersion: ProtocolVersion, aliases: OutgoingTopicAliases | undefined): Uint8Array {
  const packet: Publish = { type: "publish", topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup };
  if (m.qos > 0) packet.packetId = m.packetId;
  if (m.properties) packet.properties = m.properties;
  // An alias the application chose itself goes out as given; automatic aliases are for the others.
  if (aliases && m.properties?.topicAlias === undefined) {
    const alias = aliases.aliasFor(m.topic);
    if (alias !== 0) {
      packet.properties = { ...m.properties, topicAlias: alias < 0 ? -alias : alias };
      if (alias > 0) packet.topic = ""; // the server knows the alias: 3.3.2.3.4
    }
  }
  return encode(packet, protocolVersion);
}

/**
 * MQTT 4.4: on a resumed session, resend the unacknowledged PUBLISHes (DUP=1, same Packet Identifier) and
 * PUBRELs, in the original order (4.6), and nothing else.
 */
export function resendInflight(
  inflight: Iterable<OutgoingMessage>,
  output: OutputBuffer,
  protocolVersion: ProtocolVersion,
  aliases: OutgoingTopicAliases | undefined,
): void {
  for (const m of inflight) {
    output.push(
      m.state === MessageState.Sent
        ? encodePublish(m, true, protocolVersion, aliases)
        : encode({ type: "pubrel", packetId: m.packetId }, protocolVersion),
    );
  }
}
