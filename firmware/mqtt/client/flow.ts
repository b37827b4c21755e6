// Flow control: what goes to the socket, and when. Queued messages enter the in-flight window only while
// the window has room (never more than the server's Receive Maximum, 5.0 section 3.3.4) and are encoded only
// as far as the socket can take them now, so a burst costs queue entries, not encoded copies; writes never
// exceed the socket's writable count (ECMA-419), and the acks a read triggers go out coalesced in one pump.
import { ClientError, socketError } from "./client-errors.js";
import { complete } from "./callbacks.js";
import type { ServerLimits } from "./connect.js";
import type { MqttClientOptions } from "./options.js";
import { MessageState, encodePublish, type OutgoingQueue } from "./outgoing.js";
import type { OutputBuffer, WrittenOwner } from "./output.js";
import type { SessionState } from "./session.js";
import type { ClientTimers } from "./timers.js";
import type { OutgoingTopicAliases } from "./topic-aliases.js";
import type { ProtocolVersion } from "../codec/packets.js";
import type { Socket } from "../../platform/ports.js";
import { asError } from "../common/as-error.js";

/** What flow control reads and moves: the connection's state (Connection implements it). */
export interface FlowOwner extends WrittenOwner {
  readonly options: MqttClientOptions;
  readonly protocolVersion: ProtocolVersion;
  readonly socket: Socket | undefined;
  /** The socket's writable count, as flow control leaves it. */
  writable: number;
  /** A pump is running: whatever is added meanwhile goes out with it. */
  pumping: boolean;
  readonly connected: boolean;
  readonly queue: OutgoingQueue;
  readonly output: OutputBuffer;
  readonly session: SessionState;
  readonly server: ServerLimits;
  readonly timers: ClientTimers;
  readonly aliasesOut: OutgoingTopicAliases | undefined;
  connectionEnded(reason: Error): void;
}

/** Moves messages from the queue into the output as the window and the socket allow, and writes. */
export function pump(c: FlowOwner): void {
  if (c.pumping) return; // the running pump picks up whatever was added
  const socket = c.socket;
  if (!socket) return;
  c.pumping = true;
  try {
    for (;;) {
      if (c.connected) fill(c);
      if (c.output.length === 0 || c.writable <= 0) break;
      c.writable = c.output.flush(socket, c.writable, c);
      c.timers.sent();
      if (c.socket !== socket) break;
    }
  } catch (error) {
    c.pumping = false;
    if (c.socket === socket) c.connectionEnded(socketError(error));
    return;
  }
  c.pumping = false;
}

/** Encodes queued messages until the output holds what the socket can take now. */
function fill(c: FlowOwner): void {
  const server = c.server;
  const session = c.session;
  while (c.output.length < c.writable) {
    const m = c.queue.peek();
    if (!m) return;
    // 5.0 section 3.2.2.3.4: never above the server's Maximum QoS; downgrade.
    const qos = m.qos > server.maximumQoS ? server.maximumQoS : m.qos;
    if (qos > 0 && session.inflight.size >= server.window) return; // Receive Maximum (3.3.4)
    c.queue.shift();
    if (m.retain && !server.retainAvailable) {
      complete(c.options, m, new ClientError("retain-not-supported", "server has Retain Available = 0"));
      continue;
    }
    m.qos = qos;
    if (qos > 0) {
      // Free until addInflight() below holds it.
      m.packetId = session.ids.allocate();
      if (m.packetId === 0) {
        c.queue.unshiftAll([m]);
        return;
      }
    }
    const alias = m.properties?.topicAlias;
    let bytes: Uint8Array | undefined;
    let failure: Error | undefined;
    if (alias !== undefined && c.protocolVersion === 5 && alias > server.topicAliasMaximum) {
      // [MQTT-3.3.2-9]: never above the server's Topic Alias Maximum (the server would disconnect, 0x94).
      failure = new ClientError("invalid-argument", `Topic Alias ${alias} above the server's Topic Alias Maximum ${server.topicAliasMaximum}`);
    } else {
      try {
        bytes = encodePublish(m, false, c.protocolVersion, c.aliasesOut);
      } catch (error) {
        failure = asError(error); // this message only: the connection and the others go on
      }
    }
    if (bytes && server.maximumPacketSize > 0 && bytes.length > server.maximumPacketSize) {
      // 5.0 section 3.2.2.3.6 [MQTT-3.2.2-15]: never send a packet above the server's maximum.
      failure = new ClientError("packet-too-large", `PUBLISH of ${bytes.length} bytes exceeds the server's Maximum Packet Size ${server.maximumPacketSize}`);
      bytes = undefined;
    }
    if (!bytes) {
      c.aliasesOut?.forget(m.topic);
      m.packetId = 0;
      complete(c.options, m, failure);
      continue;
    }
    if (qos > 0) {
      m.state = MessageState.Sent;
      session.addInflight(m);
      c.output.push(bytes);
    } else {
      c.output.push(bytes, m);
    }
  }
}
