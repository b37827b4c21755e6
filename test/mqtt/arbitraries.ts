// fast-check generators of valid packets, in the exact shape our decoder produces (absent optional fields
// are left out, 5.0 reason codes always present, subscription options only when not the default).
// The property and reason code lists here are written from the spec, independently of the codec's tables.
import fc from "fast-check";
import type { Packet, Properties, ProtocolVersion, QoS, Subscription, UserProperty } from "../../firmware/mqtt/codec/packets.js";

export interface PacketArbitraryOptions {
  /** Only packets mqtt-packet can generate: no 5.0 password without user name, no empty Client Identifier without clean start. */
  mqttPacketCompatible?: boolean;
}

/** An MQTT string: any Unicode scalar values except U+0000 (1.5.4). */
/** One Unicode scalar value (any plane, never a lone surrogate). */
const anyCharacter = fc.string({ unit: "binary", minLength: 1, maxLength: 1 });

export const mqttString = (maxLength = 12): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(fc.constantFrom("a", "b", "/", " ", "é", "€", "😀"), anyCharacter), maxLength }).map((s) => s.replaceAll("\u0000", "x"));

const level = fc.string({ unit: fc.oneof(fc.constantFrom("a", "b", "c", "$", "é", "😀"), anyCharacter), maxLength: 6 }).map((s) =>
  s.replaceAll("\u0000", "x").replace(/[+#/]/g, "x"),
);

export const topicName: fc.Arbitrary<string> = fc
  .array(level, { minLength: 1, maxLength: 4 })
  .map((levels) => levels.join("/"))
  .filter((t) => t.length > 0);

export const topicFilter: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.oneof(level, fc.constant("+")), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([levels, multi]) => (multi ? [...levels, "#"] : levels).join("/"))
  .filter((t) => t.length > 0);

const bytes = (maxLength = 16): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const qos: fc.Arbitrary<QoS> = fc.constantFrom(0, 1, 2);
const packetId = fc.integer({ min: 1, max: 0xffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const flag = fc.constantFrom(0, 1);

/**
 * Names include integer-like ones and repeats, which mqtt-packet's object form reorders. mqtt-packet's
 * parser drops a repeated name whose first value is "" (it tests the value for truthiness), so values are
 * non-empty when mqtt-packet has to read them.
 */
const userProperties = (compatible: boolean): fc.Arbitrary<UserProperty[]> =>
  fc.array(fc.tuple(fc.oneof(mqttString(6), fc.constantFrom("k", "k", "1", "name")), compatible ? mqttString(8).map((s) => s || "v") : mqttString(8)), {
    minLength: 1,
    maxLength: 4,
  });

type PropertyArbitraries = { [K in keyof Properties]-?: fc.Arbitrary<NonNullable<Properties[K]>> };
const propertyValues = (compatible: boolean): PropertyArbitraries => ({
  payloadFormatIndicator: flag,
  messageExpiryInterval: u32,
  contentType: mqttString(),
  responseTopic: topicName,
  correlationData: bytes(),
  subscriptionIdentifiers: fc.array(fc.integer({ min: 1, max: 268_435_455 }), { minLength: 1, maxLength: 3 }),
  sessionExpiryInterval: u32,
  assignedClientIdentifier: mqttString(),
  serverKeepAlive: u16,
  authenticationMethod: mqttString(),
  authenticationData: bytes(),
  requestProblemInformation: flag,
  willDelayInterval: u32,
  requestResponseInformation: flag,
  responseInformation: mqttString(),
  serverReference: mqttString(),
  reasonString: mqttString(),
  receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
  topicAliasMaximum: u16,
  topicAlias: fc.integer({ min: 1, max: 0xffff }),
  maximumQoS: flag,
  retainAvailable: flag,
  userProperties: userProperties(compatible),
  maximumPacketSize: fc.integer({ min: 1, max: 0xffffffff }),
  wildcardSubscriptionAvailable: flag,
  subscriptionIdentifiersAvailable: flag,
  sharedSubscriptionAvailable: flag,
});

/** MQTT 5.0 section 2.2.2.2: the properties each packet may carry ("will" = Will Properties). */
export const ALLOWED_PROPERTIES: Record<string, (keyof Properties)[]> = {
  connect: ["sessionExpiryInterval", "authenticationMethod", "authenticationData", "requestProblemInformation", "requestResponseInformation", "receiveMaximum", "topicAliasMaximum", "userProperties", "maximumPacketSize"],
  will: ["payloadFormatIndicator", "messageExpiryInterval", "contentType", "responseTopic", "correlationData", "willDelayInterval", "userProperties"],
  connack: [
    "sessionExpiryInterval", "assignedClientIdentifier", "serverKeepAlive", "authenticationMethod", "authenticationData", "responseInformation",
    "serverReference", "reasonString", "receiveMaximum", "topicAliasMaximum", "maximumQoS", "retainAvailable", "userProperties",
    "maximumPacketSize", "wildcardSubscriptionAvailable", "subscriptionIdentifiersAvailable", "sharedSubscriptionAvailable",
  ],
  publish: ["payloadFormatIndicator", "messageExpiryInterval", "contentType", "responseTopic", "correlationData", "subscriptionIdentifiers", "topicAlias", "userProperties"],
  puback: ["reasonString", "userProperties"],
  pubrec: ["reasonString", "userProperties"],
  pubrel: ["reasonString", "userProperties"],
  pubcomp: ["reasonString", "userProperties"],
  subscribe: ["subscriptionIdentifiers", "userProperties"],
  suback: ["reasonString", "userProperties"],
  unsubscribe: ["userProperties"],
  unsuback: ["reasonString", "userProperties"],
  disconnect: ["sessionExpiryInterval", "serverReference", "reasonString", "userProperties"],
  auth: ["authenticationMethod", "authenticationData", "reasonString", "userProperties"],
};

/** MQTT 5.0 reason codes per packet (3.2.2.2, 3.4.2.1 ... 3.15.2.1); 3.1.1 CONNACK 0..5 and SUBACK codes. */
export const REASON_CODES: Record<string, number[]> = {
  connack5: [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f],
  connack4: [0, 1, 2, 3, 4, 5],
  puback: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrec: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrel: [0x00, 0x92],
  pubcomp: [0x00, 0x92],
  suback5: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
  suback4: [0x00, 0x01, 0x02, 0x80],
  unsuback: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
  disconnect: [
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c,
    0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
  ],
  auth: [0x00, 0x18, 0x19],
};

/** A value generator for each property `where` (a packet type or "will") may carry. */
function propertyModel(where: string, compatible: boolean): Record<string, fc.Arbitrary<unknown>> {
  const values = propertyValues(compatible);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key of ALLOWED_PROPERTIES[where]) {
    model[key] = key === "subscriptionIdentifiers" && where === "subscribe" ? fc.array(fc.integer({ min: 1, max: 268_435_455 }), { minLength: 1, maxLength: 1 }) : values[key];
  }
  return model;
}

/** Properties for `where` (a packet type or "will"), or undefined (about a third of the time). */
export function propertiesFor(where: string, compatible = false): fc.Arbitrary<Properties | undefined> {
  const some = fc.record(propertyModel(where, compatible), { requiredKeys: [] }).map((p) => (Object.keys(p).length > 0 ? (compact(p) as Properties) : undefined));
  return fc.oneof(fc.constant(undefined), some, some);
}

/** Every property `where` may carry, all present at once. */
export function allPropertiesFor(where: string, compatible = false): fc.Arbitrary<Properties> {
  return fc.record(propertyModel(where, compatible)).map((p) => compact(p) as Properties);
}

/**
 * A plain object (fc.record makes null-prototype ones) without undefined-valued keys, like the decoder's
 * output, so that strict equality can be asserted.
 */
function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

const code = (list: number[]): fc.Arbitrary<number> => fc.constantFrom(...list);

export function packetArbitrary(v: ProtocolVersion, options: PacketArbitraryOptions = {}): fc.Arbitrary<Packet> {
  const compatible = options.mqttPacketCompatible ?? false;
  const props = (where: string): fc.Arbitrary<Properties | undefined> => (v === 5 ? propertiesFor(where, compatible) : fc.constant(undefined));

  const will = fc
    .record({ topic: topicName, payload: bytes(), qos, retain: fc.boolean(), properties: props("will") })
    .map(compact);
  const connect = fc
    .record({
      clientId: mqttString(),
      cleanStart: fc.boolean(),
      keepAlive: u16,
      username: fc.option(mqttString(), { nil: undefined }),
      password: fc.option(bytes(), { nil: undefined }),
      will: fc.option(will, { nil: undefined }),
      properties: props("connect"),
    })
    .map((c) => {
      // 3.1.1 [MQTT-3.1.3-7] and mqtt-packet: a zero-length Client Identifier needs a clean session.
      if (c.clientId === "" && !c.cleanStart && (v === 4 || compatible)) c.cleanStart = true;
      // 3.1.1 [MQTT-3.1.2-22] and mqtt-packet: no password without a user name.
      if (c.password !== undefined && c.username === undefined && (v === 4 || compatible)) c.username = "user";
      return compact({ type: "connect" as const, protocolVersion: v, ...c });
    });
  const connack = fc
    .record({ sessionPresent: fc.boolean(), reasonCode: code(v === 5 ? REASON_CODES.connack5 : REASON_CODES.connack4), properties: props("connack") })
    .map((c) => compact({ type: "connack" as const, ...c, sessionPresent: c.sessionPresent && c.reasonCode === 0 }));
  const publish = fc
    .record({ topic: topicName, payload: bytes(64), qos, retain: fc.boolean(), dup: fc.boolean(), packetId, properties: props("publish"), emptyTopic: fc.boolean() })
    .map(({ emptyTopic, ...p }) => {
      // 5.0 3.3.2.3.4: a Topic Alias may stand in for the Topic Name.
      const topic = v === 5 && emptyTopic && p.properties?.topicAlias !== undefined ? "" : p.topic;
      return compact({ type: "publish" as const, ...p, topic, dup: p.qos > 0 && p.dup, packetId: p.qos > 0 ? p.packetId : undefined });
    });
  const response = (type: "puback" | "pubrec" | "pubrel" | "pubcomp") =>
    fc
      .record({ packetId, reasonCode: code(REASON_CODES[type]), properties: props(type) })
      .map((p) => compact({ type, ...p, reasonCode: v === 5 ? p.reasonCode : undefined }));
  const subscription: fc.Arbitrary<Subscription> = fc
    .record({ topicFilter, qos, noLocal: fc.boolean(), retainAsPublished: fc.boolean(), retainHandling: fc.constantFrom(0, 1, 2) })
    .map((s) => {
      const sub: Subscription = { topicFilter: s.topicFilter, qos: s.qos };
      if (v === 5 && s.noLocal) sub.noLocal = true;
      if (v === 5 && s.retainAsPublished) sub.retainAsPublished = true;
      if (v === 5 && s.retainHandling !== 0) sub.retainHandling = s.retainHandling as 1 | 2;
      return sub;
    });
  const subscribe = fc
    .record({ packetId, subscriptions: fc.array(subscription, { minLength: 1, maxLength: 4 }), properties: props("subscribe") })
    .map((p) => compact({ type: "subscribe" as const, ...p }));
  const suback = fc
    .record({
      packetId,
      reasonCodes: fc.array(code(v === 5 ? REASON_CODES.suback5 : REASON_CODES.suback4), { minLength: 1, maxLength: 4 }),
      properties: props("suback"),
    })
    .map((p) => compact({ type: "suback" as const, ...p }));
  const unsubscribe = fc
    .record({ packetId, topicFilters: fc.array(topicFilter, { minLength: 1, maxLength: 4 }), properties: props("unsubscribe") })
    .map((p) => compact({ type: "unsubscribe" as const, ...p }));
  const unsuback = fc
    .record({ packetId, reasonCodes: fc.array(code(REASON_CODES.unsuback), { minLength: 1, maxLength: 4 }), properties: props("unsuback") })
    .map((p) => compact({ type: "unsuback" as const, ...p, reasonCodes: v === 5 ? p.reasonCodes : undefined }));
  const disconnect = fc
    .record({ reasonCode: code(REASON_CODES.disconnect), properties: props("disconnect") })
    .map((p) => compact({ type: "disconnect" as const, ...p, reasonCode: v === 5 ? p.reasonCode : undefined }));
  const auth = fc.record({ reasonCode: code(REASON_CODES.auth), properties: props("auth") }).map((p) => compact({ type: "auth" as const, ...p }));

  const all: fc.Arbitrary<Packet>[] = [
    connect,
    connack,
    publish,
    response("puback"),
    response("pubrec"),
    response("pubrel"),
    response("pubcomp"),
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    fc.constant({ type: "pingreq" as const }),
    fc.constant({ type: "pingresp" as const }),
    disconnect,
  ];
  if (v === 5) all.push(auth);
  return fc.oneof(...all);
}
