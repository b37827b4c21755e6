// The client side of an MQTT session (3.1.1 section 4.1, 5.0 section 4.1): what must survive a reconnect
// when the broker resumes the session, and what is thrown away or redone when it does not: the in-flight
// QoS 1/2 publishes, the Packet Identifiers in use, the QoS 2 receiver's state, and the subscriptions.
import { ReasonCode, protocolError } from "../codec/protocol-error.js";
import { MessageState, type OutgoingMessage } from "./outgoing.js";
import { Subscriptions, type PendingRequest } from "./subscriptions.js";

export class SessionState {
  /** QoS 1/2 PUBLISHes sent and not completed, in the order they were first sent (section 4.6). */
  readonly inflight = new Map<number, OutgoingMessage>();
  inflightBytes = 0;
  /** QoS 2 PUBLISHes received and PUBREC'd, waiting for PUBREL: delivered once (section 4.3.3). */
  readonly incomingQos2: IncomingQos2;
  /** SUBSCRIBE / UNSUBSCRIBE waiting for their acks, and the granted subscriptions to redo on a lost session. */
  readonly subscriptions: Subscriptions;
  /** Free identifiers: those neither in flight nor pending. */
  readonly ids: PacketIds;

  /** `receiveMaximum`: the MQTT 5 Receive Maximum we sent, enforced on incoming QoS 2 (section 3.3.4). */
  constructor(receiveMaximum: number | undefined) {
    this.incomingQos2 = new IncomingQos2(receiveMaximum);
    const pending = new Map<number, PendingRequest>();
    this.ids = new PacketIds(this.inflight, pending);
    this.subscriptions = new Subscriptions(pending, this.ids);
  }

  addInflight(message: OutgoingMessage): void {
    this.inflight.set(message.packetId, message);
    this.inflightBytes += message.size;
  }

  removeInflight(message: OutgoingMessage): void {
    this.inflight.delete(message.packetId);
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

// Packet Identifier allocation (MQTT 3.1.1 section 2.3.1, 5.0 section 2.2.1): non-zero 16-bit values, unique
// among the client's unacknowledged PUBLISH (QoS > 0), SUBSCRIBE and UNSUBSCRIBE packets. Those are the keys
// of the maps that hold the exchanges (in flight, pending requests), so an identifier is in use exactly while
// its exchange is held: nothing to release, no second record to keep in step. Identifiers are handed out
// round-robin so a late acknowledgement of a finished exchange is unlikely to hit a new one.
export class PacketIds {
  private last = 0;

  /** The exchanges that hold identifiers: the messages in flight and the pending (un)subscribe requests. */
  constructor(
    private readonly inflight: ReadonlyMap<number, unknown>,
    private readonly pending: ReadonlyMap<number, unknown>,
  ) {}

  /** A free identifier (not yet held: the caller stores its exchange under it), or 0 when all 65535 are in use. */
  allocate(): number {
    const { inflight, pending } = this;
    if (inflight.size + pending.size >= 0xffff) return 0;
    let id = this.last;
    do {
      id = id === 0xffff ? 1 : id + 1;
    } while (inflight.has(id) || pending.has(id));
    this.last = id;
    return id;
  }
}

// The receiver's half of QoS 2 (MQTT 4.3.3, method B): deliver on the first PUBLISH and remember its Packet
// Identifier until PUBREL, so a resent PUBLISH (DUP=1, or DUP=0 as some brokers do) is acknowledged again
// but not delivered again.
export class IncomingQos2 {
  /** PUBLISHes received and PUBREC'd, waiting for PUBREL (made with the first: most devices never get QoS 2). */
  private ids: Set<number> | undefined;

  /** `receiveMaximum`: the MQTT 5 Receive Maximum we sent (section 3.3.4); undefined = not enforced. */
  constructor(private readonly receiveMaximum: number | undefined) {}

  /** A QoS 2 PUBLISH arrived: true when it is new and must be delivered. Throws when Receive Maximum is exceeded. */
  receive(id: number): boolean {
    const ids = (this.ids ??= new Set<number>());
    if (ids.has(id)) return false;
    const limit = this.receiveMaximum;
    if (limit !== undefined && ids.size >= limit) {
      throw protocolError("3.3.4", "Receive Maximum exceeded", ReasonCode.ReceiveMaximumExceeded);
    }
    ids.add(id);
    return true;
  }

  /** PUBREL arrived: forget the identifier; false when it was not known. */
  release(id: number): boolean {
    return this.ids?.delete(id) ?? false;
  }

  /** The broker lost the session: nothing is waiting for PUBREL any more. */
  clear(): void {
    this.ids?.clear();
  }
}
