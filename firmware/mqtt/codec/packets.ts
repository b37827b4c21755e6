// MQTT control packets as plain objects, shared by the codec and the client.
// One shape serves both protocol levels: fields that exist only in MQTT 5.0 (reason codes, properties)
// are optional and ignored / omitted when encoding for 3.1.1.

/** Protocol Level byte of CONNECT (MQTT 3.1.1 section 3.1.2.2, MQTT 5.0 section 3.1.2.2). */
export type ProtocolVersion = 4 | 5;
export type QoS = 0 | 1 | 2;
export type UserProperty = [name: string, value: string];

/** MQTT 5.0 section 2.2.2.2. Names follow the spec; which ones a packet may carry is checked by the codec. */
export interface Properties {
  payloadFormatIndicator?: number; // 0x01
  messageExpiryInterval?: number; // 0x02
  contentType?: string; // 0x03
  responseTopic?: string; // 0x08
  correlationData?: Uint8Array; // 0x09
  subscriptionIdentifiers?: number[]; // 0x0B (PUBLISH may carry several; SUBSCRIBE one)
  sessionExpiryInterval?: number; // 0x11
  assignedClientIdentifier?: string; // 0x12
  serverKeepAlive?: number; // 0x13
  authenticationMethod?: string; // 0x15
  authenticationData?: Uint8Array; // 0x16
  requestProblemInformation?: number; // 0x17
  willDelayInterval?: number; // 0x18
  requestResponseInformation?: number; // 0x19
  responseInformation?: string; // 0x1A
  serverReference?: string; // 0x1C
  reasonString?: string; // 0x1F
  receiveMaximum?: number; // 0x21
  topicAliasMaximum?: number; // 0x22
  topicAlias?: number; // 0x23
  maximumQoS?: number; // 0x24
  retainAvailable?: number; // 0x25
  userProperties?: UserProperty[]; // 0x26 (order preserved, names may repeat)
  maximumPacketSize?: number; // 0x27
  wildcardSubscriptionAvailable?: number; // 0x28
  subscriptionIdentifiersAvailable?: number; // 0x29
  sharedSubscriptionAvailable?: number; // 0x2A
}

export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties?: Properties; // MQTT 5.0 Will Properties (section 3.1.3.2)
}

export interface Connect {
  type: "connect";
  protocolVersion: ProtocolVersion;
  clientId: string;
  cleanStart: boolean; // "Clean Session" in 3.1.1
  keepAlive: number; // seconds, 0..65535
  username?: string;
  password?: Uint8Array; // binary data in both versions
  will?: Will;
  properties?: Properties;
}

export interface Connack {
  type: "connack";
  sessionPresent: boolean;
  reasonCode: number; // 3.1.1: Connect Return code; 5.0: Connect Reason Code
  properties?: Properties;
}

export interface Publish {
  type: "publish";
  topic: string; // may be "" in 5.0 when a Topic Alias is given
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  packetId?: number; // present iff qos > 0
  properties?: Properties;
  /** Set when the packet was larger than the decoder accepts and its payload was skipped unread: its whole
   *  size in bytes (the payload is then empty). See PacketDecoderOptions.oversize. */
  oversize?: number;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP share one layout (section 3.4 - 3.7). */
export interface PublishResponse<T extends "puback" | "pubrec" | "pubrel" | "pubcomp"> {
  type: T;
  packetId: number;
  reasonCode?: number; // 5.0 only; absent means 0x00 Success
  properties?: Properties;
}
export type Puback = PublishResponse<"puback">;
export type Pubrec = PublishResponse<"pubrec">;
export type Pubrel = PublishResponse<"pubrel">;
export type Pubcomp = PublishResponse<"pubcomp">;

export interface Subscription {
  topicFilter: string;
  qos: QoS;
  noLocal?: boolean; // 5.0 Subscription Options (section 3.8.3.1)
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

export interface Subscribe {
  type: "subscribe";
  packetId: number;
  subscriptions: Subscription[];
  properties?: Properties;
}

export interface Suback {
  type: "suback";
  packetId: number;
  reasonCodes: number[]; // granted QoS 0..2, or a failure code >= 0x80
  properties?: Properties;
}

export interface Unsubscribe {
  type: "unsubscribe";
  packetId: number;
  topicFilters: string[];
  properties?: Properties;
}

export interface Unsuback {
  type: "unsuback";
  packetId: number;
  reasonCodes?: number[]; // 5.0 only
  properties?: Properties;
}

export interface Pingreq {
  type: "pingreq";
}
export interface Pingresp {
  type: "pingresp";
}

export interface Disconnect {
  type: "disconnect";
  reasonCode?: number; // 5.0 only
  properties?: Properties;
}

/** MQTT 5.0 only (section 3.15). */
export interface Auth {
  type: "auth";
  reasonCode?: number;
  properties?: Properties;
}

export type Packet =
  | Connect
  | Connack
  | Publish
  | Puback
  | Pubrec
  | Pubrel
  | Pubcomp
  | Subscribe
  | Suback
  | Unsubscribe
  | Unsuback
  | Pingreq
  | Pingresp
  | Disconnect
  | Auth;

export type PacketType = Packet["type"];
