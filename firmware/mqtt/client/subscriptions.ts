// SUBSCRIBE / UNSUBSCRIBE bookkeeping (3.1.1 and 5.0 sections 3.8 to 3.11): requests waiting for their SUBACK /
// UNSUBACK, and the subscriptions the server granted, to subscribe again when it loses the session.
import { ClientError, QueueFullError } from "./client-errors.js";
import type { SubscribeCallback } from "./options.js";
import { protocolError } from "../codec/protocol-error.js";
import type { QoS, Suback, Subscribe, Subscription, Unsuback, Unsubscribe } from "../codec/packets.js";
import type { PacketIds } from "./session.js";
import { validateTopicFilter } from "../codec/topics.js";

export interface PendingRequest<P extends Subscribe | Unsubscribe = Subscribe | Unsubscribe> {
  packet: P;
  done: SubscribeCallback | undefined;
}

/** subscribe()'s argument as a list of valid subscriptions (a bare filter means QoS 0). */
export function subscriptionList(subscriptions: string | Subscription | Subscription[]): Subscription[] {
  const list =
    typeof subscriptions === "string"
      ? [{ topicFilter: subscriptions, qos: 0 as QoS }]
      : Array.isArray(subscriptions)
        ? subscriptions
        : [subscriptions];
  if (list.length === 0) throw new ClientError("invalid-argument", "no topic filters"); // [MQTT-3.8.3-3]
  for (const s of list) validateTopicFilter(s.topicFilter);
  return list;
}

/** unsubscribe()'s argument as a list of valid topic filters. */
export function topicFilterList(topicFilters: string | string[]): string[] {
  const list = typeof topicFilters === "string" ? [topicFilters] : topicFilters;
  if (list.length === 0) throw new ClientError("invalid-argument", "no topic filters"); // [MQTT-3.10.3-2]
  for (const f of list) validateTopicFilter(f);
  return list;
}

export class Subscriptions {
  /** Granted subscriptions by topic filter. */
  private readonly granted = new Map<string, Subscription>();

  /**
   * `pending`: SUBSCRIBE / UNSUBSCRIBE waiting for SUBACK / UNSUBACK, by Packet Identifier (sent again on
   * reconnect); `ids` allocates from what neither it nor the messages in flight hold.
   */
  constructor(
    readonly pending: Map<number, PendingRequest>,
    private readonly ids: PacketIds,
  ) {}

  /** Give the request a Packet Identifier and hold it until acknowledged; QueueFullError when none is free. */
  add(packet: Subscribe | Unsubscribe, done: SubscribeCallback | undefined): void {
    const id = this.ids.allocate();
    if (id === 0) throw new QueueFullError("all packet identifiers in use");
    packet.packetId = id;
    this.pending.set(id, { packet, done });
  }

  /** Unsubscribed filters are forgotten at once, so a lost session does not subscribe them again. */
  forget(topicFilters: string[]): void {
    for (const f of topicFilters) this.granted.delete(f);
  }

  /** SUBACK: settles and returns its SUBSCRIBE (undefined when it is not ours), recording what was granted. */
  suback(packet: Suback): PendingRequest<Subscribe> | undefined {
    const request = this.pending.get(packet.packetId);
    if (!request || request.packet.type !== "subscribe") return undefined;
    const subscriptions = request.packet.subscriptions;
    // 3.9.3: one return code per topic filter, in order.
    if (packet.reasonCodes.length !== subscriptions.length) {
      throw protocolError("3.9.3", "SUBACK return codes do not match the SUBSCRIBE");
    }
    this.settle(packet.packetId);
    packet.reasonCodes.forEach((code, i) => {
      if (code < 0x80) this.granted.set(subscriptions[i].topicFilter, subscriptions[i]);
    });
    return request as PendingRequest<Subscribe>;
  }

  /** UNSUBACK: settles and returns its UNSUBSCRIBE (undefined when it is not ours). */
  unsuback(packet: Unsuback): PendingRequest<Unsubscribe> | undefined {
    const request = this.pending.get(packet.packetId);
    if (!request || request.packet.type !== "unsubscribe") return undefined;
    this.settle(packet.packetId);
    return request as PendingRequest<Unsubscribe>;
  }

  /** After a lost session: subscribe again to everything granted before (without callbacks). */
  resubscribe(): void {
    const all = [...this.granted.values()];
    this.granted.clear();
    // Chunks keep each SUBSCRIBE well below any sane Maximum Packet Size.
    for (let i = 0; i < all.length; i += 16) {
      const id = this.ids.allocate();
      if (id === 0) return;
      this.pending.set(id, { packet: { type: "subscribe", packetId: id, subscriptions: all.slice(i, i + 16) }, done: undefined });
    }
  }

  /** A request that could not be sent after all (it does not encode): forgotten, its identifier freed. */
  cancel(packet: Subscribe | Unsubscribe): void {
    this.settle(packet.packetId);
  }

  /** close(): every request still waiting, removed (to fail them). */
  drain(): PendingRequest[] {
    const requests = [...this.pending.values()];
    this.pending.clear();
    return requests;
  }

  private settle(id: number): void {
    this.pending.delete(id);
  }
}
