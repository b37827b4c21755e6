// The receiver's half of QoS 2 (MQTT 4.3.3, method B): deliver on the first PUBLISH and remember its Packet
// Identifier until PUBREL, so a resent PUBLISH (DUP=1, or DUP=0 as some brokers do) is acknowledged again
// but not delivered again.
import { withDisconnectReason } from "./client-errors.js";
import { ReasonCode, protocolError } from "./errors.js";

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
      throw withDisconnectReason(protocolError("3.3.4", "Receive Maximum exceeded"), ReasonCode.ReceiveMaximumExceeded);
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
