// One outgoing application message as the client holds it, from publish() until it completes.
import type { Properties, QoS } from "./packets.js";

/** Where a QoS > 0 message stands in its flow (MQTT 5.0 section 4.3). */
export const MessageState = {
  Queued: 0, // waiting for a connection or a free slot in the in-flight window
  Sent: 1, // PUBLISH written, waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
  Released: 2, // QoS 2: PUBREC received, PUBREL written, waiting for PUBCOMP
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export type Completion = (error?: Error) => void;

export interface OutgoingMessage {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties: Properties | undefined;
  done: Completion | undefined;
  /** 0 until the message enters the in-flight window. */
  packetId: number;
  state: MessageState;
  /** What the message costs against the queue's byte limit. */
  size: number;
}

/** Fixed cost per message on top of topic and payload: the object, the packet header. */
export const MESSAGE_OVERHEAD = 32;
