// What the client does with each packet the server sends, by kind (MQTT 3.1.1 / 5.0 chapter 3 and the
// delivery rules of chapter 4): CONNACK first [MQTT-3.2.0-1], incoming PUBLISH acknowledged per QoS (QoS 2
// delivered once, 4.3.3 method B), acknowledgements completing the client's own flows (a stray one is
// ignored, not fatal), SUBACK / UNSUBACK settling requests, DISCONNECT ending the connection with its reason.
// A packet that breaks a rule throws a ProtocolError; the client then closes the connection (4.13).
import { asError } from "../common/as-error.js";
import type { Connack, Packet, ProtocolVersion, Publish, PublishResponse, Suback, Unsuback } from "../codec/packets.js";
import { protocolError } from "../codec/protocol-error.js";
import { call, complete, settle } from "./callbacks.js";
import { ClientError, MessageTooLargeError, refusal } from "./client-errors.js";
import type { MqttClientOptions } from "./options.js";
import { MessageState } from "./outgoing.js";
import type { SessionState } from "./session.js";
import type { ClientTimers } from "./timers.js";
import type { IncomingTopicAliases } from "./topic-aliases.js";

/** 5.0 reason code 0x92: Packet Identifier not found (sections 3.6.2.1, 3.7.2.1). */
const PACKET_ID_NOT_FOUND = 0x92;

/** What the handlers reach of the connection they serve (Connection implements it). */
export interface Receiver {
  readonly options: MqttClientOptions;
  readonly protocolVersion: ProtocolVersion;
  readonly session: SessionState;
  readonly timers: ClientTimers;
  readonly aliasesIn: IncomingTopicAliases | undefined;
  readonly maximumPacketSize: number;
  connack(packet: Connack): void;
  connectionEnded(reason: Error): void;
  sendPacket(packet: Packet): void;
}

/** Handles one packet of the connection in hand; `awaitingConnack` until CONNACK has come. */
export function receive(c: Receiver, packet: Packet, awaitingConnack: boolean): void {
  if (awaitingConnack) {
    // [MQTT-3.2.0-1]: the first packet from the server is CONNACK.
    if (packet.type !== "connack") throw protocolError("3.2.0-1", `${packet.type} before CONNACK`);
    c.connack(packet);
    return;
  }
  switch (packet.type) {
    case "publish":
      incomingPublish(c, packet);
      return;
    case "puback":
      puback(c, packet);
      return;
    case "pubrec":
      pubrec(c, packet);
      return;
    case "pubrel":
      // 4.3.3: always answer PUBREL with PUBCOMP, even for an identifier we do not know (5.0: 0x92).
      c.sendPacket(
        c.session.incomingQos2.release(packet.packetId) || c.protocolVersion === 4
          ? { type: "pubcomp", packetId: packet.packetId }
          : { type: "pubcomp", packetId: packet.packetId, reasonCode: PACKET_ID_NOT_FOUND },
      );
      return;
    case "pubcomp":
      pubcomp(c, packet);
      return;
    case "suback":
      suback(c, packet);
      return;
    case "unsuback":
      unsuback(c, packet);
      return;
    case "pingresp":
      c.timers.pingResponse();
      return;
    case "disconnect":
      // 5.0 section 3.14: the server ends the connection and tells us why.
      c.connectionEnded(
        new ClientError(
          "server-disconnect",
          `server sent DISCONNECT 0x${(packet.reasonCode ?? 0).toString(16)}`,
          packet.reasonCode ?? 0,
          packet.properties?.reasonString,
        ),
      );
      return;
    case "connack":
      throw protocolError("3.2.0-2", "a second CONNACK on one connection"); // [MQTT-3.2.0-2]
    default:
      // A packet only a client may send (direction table, section 2.1.2), or AUTH we never asked for.
      throw protocolError("2.1.2", `unexpected ${packet.type} from the server`);
  }
}

function incomingPublish(c: Receiver, packet: Publish): void {
  c.aliasesIn?.resolve(packet);
  const id = packet.packetId ?? 0;
  // The handler may end this connection (reconnect(), disconnect()): sendPacket then sends nothing, and the
  // unacknowledged message comes again on the session's next connection (4.4).
  if (packet.qos === 2) {
    // 4.3.3 method B: delivered once, PUBREC'd every time.
    if (c.session.incomingQos2.receive(id)) deliver(c, packet);
    c.sendPacket({ type: "pubrec", packetId: id });
    return;
  }
  deliver(c, packet);
  if (packet.qos === 1) c.sendPacket({ type: "puback", packetId: id });
}

function deliver(c: Receiver, packet: Publish): void {
  if (packet.oversize !== undefined) {
    call(c.options, c.options.onError, new MessageTooLargeError(packet.topic, packet.oversize, c.maximumPacketSize));
    return;
  }
  const onMessage = c.options.onMessage;
  if (!onMessage) return;
  try {
    onMessage.call(c.options, packet.topic, packet.payload, packet);
  } catch (error) {
    call(c.options, c.options.onError, asError(error));
  }
}

function puback(c: Receiver, packet: PublishResponse<"puback">): void {
  const m = c.session.inflight.get(packet.packetId);
  if (!m || m.qos !== 1) return; // An unexpected PUBACK is ignored, not fatal.
  c.session.removeInflight(m);
  complete(c.options, m, refusal(packet));
}

function pubrec(c: Receiver, packet: PublishResponse<"pubrec">): void {
  const m = c.session.inflight.get(packet.packetId);
  if (!m || m.qos !== 2) {
    // 5.0 section 3.6.2.1: PUBREL with 0x92 for an identifier we do not have.
    c.sendPacket(
      c.protocolVersion === 5
        ? { type: "pubrel", packetId: packet.packetId, reasonCode: PACKET_ID_NOT_FOUND }
        : { type: "pubrel", packetId: packet.packetId },
    );
    return;
  }
  const error = refusal(packet);
  if (error) {
    // 5.0 section 4.3.3: a PUBREC with a reason code >= 0x80 ends the flow; no PUBREL.
    c.session.removeInflight(m);
    complete(c.options, m, error);
    return;
  }
  m.state = MessageState.Released;
  c.sendPacket({ type: "pubrel", packetId: m.packetId });
}

function pubcomp(c: Receiver, packet: PublishResponse<"pubcomp">): void {
  const m = c.session.inflight.get(packet.packetId);
  if (!m || m.state !== MessageState.Released) return; // An unexpected PUBCOMP is ignored.
  c.session.removeInflight(m);
  complete(c.options, m);
}

function suback(c: Receiver, packet: Suback): void {
  const request = c.session.subscriptions.suback(packet);
  if (!request) return; // not ours: ignore like a stray PUBACK
  if (request.done) {
    settle(c.options, request.done, undefined, packet.reasonCodes, packet);
    return;
  }
  // An automatic re-subscribe has no caller to tell: a refusal goes to onError.
  const refused = packet.reasonCodes.find((code) => code >= 0x80);
  if (refused !== undefined) {
    call(c.options, c.options.onError, new ClientError("subscribe-refused", "re-subscribe refused", refused, packet.properties?.reasonString));
  }
}

function unsuback(c: Receiver, packet: Unsuback): void {
  const request = c.session.subscriptions.unsuback(packet);
  if (!request) return;
  const codes = packet.reasonCodes ?? request.packet.topicFilters.map(() => 0);
  settle(c.options, request.done, undefined, codes, packet);
}
