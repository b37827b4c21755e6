// The client side of an MQTT session (3.1.1 section 4.1, 5.0 section 4.1): what must survive a reconnect
// when the broker resumes the session, and what is thrown away or redone when it does not.
import { MessageState, type OutgoingMessage } from "./client-message.js";
import { IncomingQos2 } from "./session-incoming-qos2.js";
import { PacketIds } from "./session-packet-ids.js";
import { Subscriptions } from "./session-subscriptions.js";

export class SessionState {
  readonly ids = new PacketIds();
  /** QoS 1/2 PUBLISHes sent and not completed, in the order they were first sent (section 4.6). */
  readonly inflight = new Map<number, OutgoingMessage>();
  inflightBytes = 0;
  /** QoS 2 PUBLISHes received and PUBREC'd, waiting for PUBREL: delivered once (section 4.3.3). */
  readonly incomingQos2: IncomingQos2;
  /** SUBSCRIBE / UNSUBSCRIBE waiting for their acks, and the granted subscriptions to redo on a lost session. */
  readonly subscriptions = new Subscriptions(this.ids);

  /** `receiveMaximum`: the MQTT 5 Receive Maximum we sent, enforced on incoming QoS 2 (section 3.3.4). */
  constructor(receiveMaximum: number | undefined) {
    this.incomingQos2 = new IncomingQos2(receiveMaximum);
  }

  addInflight(message: OutgoingMessage): void {
    this.inflight.set(message.packetId, message);
    this.inflightBytes += message.size;
  }

  removeInflight(message: OutgoingMessage): void {
    this.inflight.delete(message.packetId);
    this.ids.release(message.packetId);
    this.inflightBytes -= message.size;
    message.packetId = 0;
  }

  /**
   * The broker has no session for us (session present = 0). Messages it never acknowledged go back to the
   * queue to be sent as new; QoS 2 messages it already PUBREC'd are its own now (section 4.3.3), so they
   * count as delivered. Returns [to requeue, completed].
   */
  lose(): [OutgoingMessage[], OutgoingMessage[]] {
    const requeue: OutgoingMessage[] = [];
    const completed: OutgoingMessage[] = [];
    for (const message of this.inflight.values()) {
      (message.state === MessageState.Released ? completed : requeue).push(message);
    }
    for (const message of requeue.concat(completed)) this.removeInflight(message);
    for (const message of requeue) message.state = MessageState.Queued;
    this.incomingQos2.clear();
    return [requeue, completed];
  }
}
