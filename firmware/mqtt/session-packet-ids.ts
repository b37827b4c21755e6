// Packet Identifier allocation (MQTT 3.1.1 section 2.3.1, 5.0 section 2.2.1): non-zero 16-bit values, unique
// among the client's unacknowledged PUBLISH (QoS > 0), SUBSCRIBE and UNSUBSCRIBE packets. Identifiers are
// handed out round-robin so a late acknowledgement of a finished exchange is unlikely to hit a new one.

export class PacketIds {
  private readonly used = new Set<number>();
  private last = 0;

  /** A free identifier, or 0 when all 65535 are in use. */
  allocate(): number {
    if (this.used.size >= 0xffff) return 0;
    let id = this.last;
    do {
      id = id === 0xffff ? 1 : id + 1;
    } while (this.used.has(id));
    this.last = id;
    this.used.add(id);
    return id;
  }

  release(id: number): void {
    this.used.delete(id);
  }

  get size(): number {
    return this.used.size;
  }
}
