// How an outgoing message goes on the wire: its PUBLISH (3.3), with an MQTT 5 Topic Alias when the server
// allows them, and the resend of a session's unacknowledged flows when the server resumes it (4.4).
import type { OutgoingMessage } from "./client-message.js";
import { MessageState } from "./client-message.js";
import type { OutputBuffer } from "./client-output.js";
import type { OutgoingTopicAliases } from "./client-topic-alias.js";
import { encode } from "./encode.js";
import type { ProtocolVersion, Publish } from "./packets.js";

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
