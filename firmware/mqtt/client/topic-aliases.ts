// MQTT 5 Topic Aliases (section 3.3.2.3.4). Aliases live for one network connection only, so both maps are
// reset on every CONNACK.
import { ReasonCode, protocolError } from "../codec/protocol-error.js";
import type { Publish } from "../codec/packets.js";

/**
 * Outgoing: the first Topic Alias Maximum distinct topics get an alias; the first PUBLISH on a topic carries
 * topic + alias, later ones an empty topic + alias. Assignment is first come, never evicted: a telemetry
 * device publishes on a handful of topics, and a stable map costs nothing to keep.
 */
export class OutgoingTopicAliases {
  private readonly aliases = new Map<string, number>();
  private maximum = 0;
  private lastAssigned: string | undefined;

  /** On CONNACK: the server's Topic Alias Maximum (absent = 0 = no aliases, section 3.2.2.3.8). */
  reset(maximum: number): void {
    this.aliases.clear();
    this.lastAssigned = undefined;
    this.maximum = maximum;
  }

  /**
   * The alias to send for `topic`: positive when it is already known to the server (send an empty topic),
   * negative when newly assigned (send the topic as well), 0 for none.
   */
  aliasFor(topic: string): number {
    this.lastAssigned = undefined;
    const known = this.aliases.get(topic);
    if (known !== undefined) return known;
    if (this.aliases.size >= this.maximum || topic.length === 0) return 0;
    const alias = this.aliases.size + 1;
    this.aliases.set(topic, alias);
    this.lastAssigned = topic;
    return -alias;
  }

  /** Undo the assignment just made for `topic` when that PUBLISH was not sent after all. */
  forget(topic: string): void {
    if (this.lastAssigned !== topic) return;
    this.aliases.delete(topic);
    this.lastAssigned = undefined;
  }
}

/** Incoming: the broker may use aliases up to the Topic Alias Maximum we sent in CONNECT. */
export class IncomingTopicAliases {
  private readonly topics = new Map<number, string>();
  constructor(private readonly maximum: number) {}

  reset(): void {
    this.topics.clear();
  }

  /** Rewrites packet.topic from its alias; throws a ProtocolError whose DISCONNECT reason is 0x94. */
  resolve(packet: Publish): void {
    const alias = packet.properties?.topicAlias;
    if (alias === undefined) {
      // 3.3.2.1: a zero-length Topic Name without a Topic Alias is a Protocol Error (0x82).
      if (packet.topic.length === 0) throw protocolError("3.3.2.1", "empty Topic Name without a Topic Alias");
      return;
    }
    // Section 3.3.2.3.4: 0 and values above our Topic Alias Maximum are a Protocol Error (0x94).
    if (alias === 0 || alias > this.maximum) throw aliasError(`Topic Alias ${alias} out of range`);
    if (packet.topic.length > 0) {
      this.topics.set(alias, packet.topic);
      return;
    }
    const topic = this.topics.get(alias);
    if (topic === undefined) throw aliasError(`Topic Alias ${alias} was never set`);
    packet.topic = topic;
  }
}

/** A ProtocolError that asks for DISCONNECT with Topic Alias Invalid (0x94) instead of 0x82. */
function aliasError(message: string): Error {
  return protocolError("3.3.2.3.4", message, ReasonCode.TopicAliasInvalid);
}
