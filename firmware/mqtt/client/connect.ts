// The connect handshake: the CONNECT packet the client sends (3.1.1 / 5.0 section 3.1) and what it honours of
// the server's CONNACK properties (5.0 section 3.2.2.3) for the rest of the connection.
import type { MqttClientOptions } from "./options.js";
import type { Connect, Properties, ProtocolVersion, QoS } from "../codec/packets.js";
import { encodeUtf8 } from "../common/utf8.js";

/** Keep Alive in seconds when the options give none. */
export const DEFAULT_KEEP_ALIVE = 60;

/** Default largest incoming packet: ample for commands and config, affordable on an ESP32. */
export const DEFAULT_MAXIMUM_PACKET_SIZE = 64 * 1024;

/** CONNECT for one connection attempt; `maximumPacketSize` is what our decoder accepts (sent in 5.0). */
export function connectPacket(
  o: MqttClientOptions,
  protocolVersion: ProtocolVersion,
  clientId: string,
  cleanStart: boolean,
  maximumPacketSize: number,
): Connect {
  const packet: Connect = {
    type: "connect",
    protocolVersion,
    clientId,
    cleanStart,
    keepAlive: o.keepAlive ?? DEFAULT_KEEP_ALIVE,
  };
  if (o.username !== undefined) packet.username = o.username;
  if (o.password !== undefined) packet.password = typeof o.password === "string" ? encodeUtf8(o.password) : o.password;
  if (o.will) packet.will = o.will;
  if (protocolVersion === 5) {
    const properties: Properties = { ...o.connectProperties };
    if (o.sessionExpiryInterval !== undefined) properties.sessionExpiryInterval = o.sessionExpiryInterval;
    if (o.receiveMaximum !== undefined) properties.receiveMaximum = o.receiveMaximum;
    properties.maximumPacketSize = maximumPacketSize;
    if (o.topicAliasMaximum) properties.topicAliasMaximum = o.topicAliasMaximum;
    packet.properties = properties;
  }
  return packet;
}

/** What the server allows on the current connection (MQTT 5 CONNACK properties, section 3.2.2.3). */
export class ServerLimits {
  /** In-flight QoS 1/2 publishes allowed: ours, never above the server's Receive Maximum. */
  window = 0;
  maximumPacketSize = 0; // 0 = no limit
  maximumQoS: QoS = 2;
  retainAvailable = true;
  /** Highest Topic Alias the server accepts from us (0 = none). */
  topicAliasMaximum = 0;

  /** On a successful CONNACK; `properties` is undefined for 3.1.1, which has no limits beyond ours. */
  accept(protocolVersion: ProtocolVersion, properties: Properties | undefined, inflightLimit: number): void {
    if (protocolVersion === 5) {
      const p = properties ?? {};
      this.window = Math.min(inflightLimit, p.receiveMaximum ?? 65535); // 3.2.2.3.3
      this.maximumPacketSize = p.maximumPacketSize ?? 0; // 3.2.2.3.6
      this.maximumQoS = (p.maximumQoS ?? 2) as QoS; // 3.2.2.3.4
      this.retainAvailable = p.retainAvailable !== 0; // 3.2.2.3.5
      this.topicAliasMaximum = p.topicAliasMaximum ?? 0; // 3.2.2.3.8
    } else {
      this.window = inflightLimit;
    }
  }
}
