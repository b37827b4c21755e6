// What the MQTT client is built from: the platform ports, the brokers, the session settings and the
// callbacks through which it reports (XS-friendly: plain functions, no EventEmitter, no Promises).
import type { CallbackThis, Clock, SocketConstructor, TlsOptions } from "../../platform/ports.js";
import type { Properties, ProtocolVersion, Publish, QoS, Will } from "../codec/packets.js";

export interface Broker {
  host: string;
  port: number;
  /** IP address for the socket (the device's socket needs one); the host name still goes to TLS (SNI). */
  address?: string;
}

export interface ConnectInfo {
  broker: Broker;
  sessionPresent: boolean;
  reasonCode: number;
  properties: Properties | undefined;
  /** The client identifier in use (the server's Assigned Client Identifier when it gave one). */
  clientId: string;
  /** Effective keep alive in seconds (MQTT 5 Server Keep Alive overrides ours). */
  keepAlive: number;
}

export interface MqttClientOptions {
  Socket: SocketConstructor;
  clock: Clock;
  /** Uniform [0, 1) for backoff jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Tried in order; a failed attempt moves on to the next (failover). */
  brokers: Broker[];
  secure?: TlsOptions;
  protocolVersion?: ProtocolVersion; // default 4 (3.1.1)
  clientId?: string; // default ""
  /** Clean Session (3.1.1) / Clean Start on the first connection (5.0). Default true. */
  cleanStart?: boolean;
  keepAlive?: number; // seconds, default 60, 0 disables
  will?: Will;
  username?: string;
  password?: string | Uint8Array;
  /** MQTT 5 Session Expiry Interval, seconds (section 3.1.2.11.2). */
  sessionExpiryInterval?: number;
  /** MQTT 5: how many QoS 1/2 PUBLISHes the broker may have unacknowledged towards us. */
  receiveMaximum?: number;
  /** Largest packet we accept (default 64 KiB; sent as MQTT 5 Maximum Packet Size, enforced by our decoder). */
  maximumPacketSize?: number;
  /** MQTT 5: how many topic aliases the broker may use towards us (default 0 = none). */
  topicAliasMaximum?: number;
  /** Extra MQTT 5 CONNECT properties (user properties, request problem information...). */
  connectProperties?: Properties;
  connectTimeout?: number; // ms from opening the socket to CONNACK, default 30 000
  pingTimeout?: number; // ms to wait for PINGRESP, default 10 000
  /** Reconnect delays, ms: full jitter up to base x 2^n, at most `cap` (default 1 000 / 60 000), or at most
   *  `persistentCap` (default 900 000) once a broker has refused this client the same way `persistentAfter`
   *  times in a row (default 3): a TLS alert or certificate verdict, or a CONNACK refusing the client (see
   *  reconnect.ts and PersistentFailureError). Refused or cut connections never count. */
  backoff?: { base?: number; cap?: number; persistentCap?: number; persistentAfter?: number };
  /** Limits on what the client holds (queued + in flight). Defaults 1 000 messages / 256 KiB. */
  queue?: { maxMessages?: number; maxBytes?: number };
  /** In-flight window for QoS 1/2 publishes; never above the server's Receive Maximum. Default 32. */
  inflight?: number;
  /** Reconnect automatically (default true). */
  reconnect?: boolean;

  /**
   * For the callbacks below, which are called with these options as `this`: a callback shared by every
   * client (a module function or a static method, in flash on a device) reaches its owner as `this.target`
   * instead of being a closure that costs RAM for as long as the client lives (as ECMA-419's `target`).
   */
  target?: unknown;
  onConnect?(this: CallbackThis, info: ConnectInfo): void;
  /** An established connection ended; the client reconnects unless closed. */
  onDisconnect?(this: CallbackThis, reason: Error): void;
  onMessage?(this: CallbackThis, topic: string, payload: Uint8Array, packet: Publish): void;
  /** A connection attempt failed, or something went wrong that did not end a connection. */
  onError?(this: CallbackThis, error: Error): void;
  /** close() finished: socket and timers released. */
  onClose?(this: CallbackThis): void;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  properties?: Properties;
}

export type SubscribeCallback = (error: Error | undefined, reasonCodes: number[], packet?: { properties?: Properties }) => void;

/** close(): what the DISCONNECT says (MQTT 5 only; 3.1.1's DISCONNECT carries nothing). */
export interface DisconnectOptions {
  /** Default 0x00 Normal disconnection; 0x04 Disconnect with Will Message asks the server to publish the will. */
  reasonCode?: number;
  /** Session Expiry Interval (3.14.2.2.2), e.g. 0 to end the session now. It may not be set to a non-zero
   *  value when CONNECT gave 0 [MQTT-3.14.2-2]. */
  sessionExpiryInterval?: number;
  reasonString?: string;
}
