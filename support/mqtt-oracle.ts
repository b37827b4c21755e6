// The differential oracle: mqtt-packet (the MQTT.js codec) and the mapping between its packet objects and
// ours. Shared by the codec tests and bench/codec.ts.
//
// Where the shapes differ:
// - mqtt-packet names: cmd, messageId, clean, keepalive, returnCode (3.1.1 CONNACK), granted (SUBACK,
//   UNSUBACK), unsubscriptions, subscriptions[].topic/nl/rap/rh, subscriptionIdentifier (a number, or an
//   array when repeated).
// - mqtt-packet keeps "Byte" properties that are 0/1 flags as booleans; we keep numbers.
// - mqtt-packet keeps User Properties as an object {name: value | value[]}: their order across different
//   names, and the grouping of repeated names, is lost. `normalize` puts ours in the same canonical order
//   (stable sort by name) so both can be compared; `isByteCanonical` says when mqtt-packet can reproduce
//   our exact bytes.
import mqttPacket from "mqtt-packet";
import type { Packet, Properties, ProtocolVersion, QoS, Subscription, UserProperty } from "../firmware/mqtt/codec/packets.js";

export type MqttPacketObject = { [key: string]: unknown };

/** Our property keys in identifier order (the order we encode them), with mqtt-packet's key and kind. */
const PROPERTY_MAP: readonly [keyof Properties, string, "flag" | "plain" | "binary" | "ids" | "pairs"][] = [
  ["payloadFormatIndicator", "payloadFormatIndicator", "flag"],
  ["messageExpiryInterval", "messageExpiryInterval", "plain"],
  ["contentType", "contentType", "plain"],
  ["responseTopic", "responseTopic", "plain"],
  ["correlationData", "correlationData", "binary"],
  ["subscriptionIdentifiers", "subscriptionIdentifier", "ids"],
  ["sessionExpiryInterval", "sessionExpiryInterval", "plain"],
  ["assignedClientIdentifier", "assignedClientIdentifier", "plain"],
  ["serverKeepAlive", "serverKeepAlive", "plain"],
  ["authenticationMethod", "authenticationMethod", "plain"],
  ["authenticationData", "authenticationData", "binary"],
  ["requestProblemInformation", "requestProblemInformation", "flag"],
  ["willDelayInterval", "willDelayInterval", "plain"],
  ["requestResponseInformation", "requestResponseInformation", "flag"],
  ["responseInformation", "responseInformation", "plain"],
  ["serverReference", "serverReference", "plain"],
  ["reasonString", "reasonString", "plain"],
  ["receiveMaximum", "receiveMaximum", "plain"],
  ["topicAliasMaximum", "topicAliasMaximum", "plain"],
  ["topicAlias", "topicAlias", "plain"],
  ["maximumQoS", "maximumQoS", "plain"],
  ["retainAvailable", "retainAvailable", "flag"],
  ["userProperties", "userProperties", "pairs"],
  ["maximumPacketSize", "maximumPacketSize", "plain"],
  ["wildcardSubscriptionAvailable", "wildcardSubscriptionAvailable", "flag"],
  ["subscriptionIdentifiersAvailable", "subscriptionIdentifiersAvailable", "flag"],
  ["sharedSubscriptionAvailable", "sharedSubscriptionAvailable", "flag"],
];

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/** A plain Uint8Array copy, so deep equality never compares a Buffer with a Uint8Array. */
const toBytes = (bytes: unknown): Uint8Array => new Uint8Array(bytes as Uint8Array);

function propertiesToMqttPacket(p: Properties | undefined): MqttPacketObject | undefined {
  if (p === undefined) return undefined;
  const out: MqttPacketObject = {};
  const values = p as Record<string, unknown>;
  for (const [ours, theirs, kind] of PROPERTY_MAP) {
    const v = values[ours];
    if (v === undefined) continue;
    if (kind === "flag") out[theirs] = v === 1;
    else if (kind === "binary") out[theirs] = toBuffer(v as Uint8Array);
    else if (kind === "ids") out[theirs] = (v as number[]).length === 1 ? (v as number[])[0] : [...(v as number[])];
    else if (kind === "pairs") {
      const grouped: Record<string, string | string[]> = Object.create(null);
      for (const [name, value] of v as UserProperty[]) {
        const seen = grouped[name];
        grouped[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
      }
      out[theirs] = grouped;
    } else out[theirs] = v;
  }
  return out;
}

function propertiesFromMqttPacket(p: unknown): Properties | undefined {
  if (p === undefined || p === null) return undefined;
  const values = p as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [ours, theirs, kind] of PROPERTY_MAP) {
    const v = values[theirs];
    if (v === undefined) continue;
    if (kind === "flag") out[ours] = v ? 1 : 0;
    else if (kind === "binary") out[ours] = toBytes(v);
    else if (kind === "ids") out[ours] = Array.isArray(v) ? [...v] : [v];
    else if (kind === "pairs") {
      const pairs: UserProperty[] = [];
      const grouped = v as Record<string, string | string[]>;
      for (const name of Object.keys(grouped)) {
        const value = grouped[name];
        for (const one of Array.isArray(value) ? value : [value]) pairs.push([name, one]);
      }
      out[ours] = pairs;
    } else out[ours] = v;
  }
  return Object.keys(out).length > 0 ? (out as Properties) : undefined;
}

/** Drops keys whose value is undefined, so optional fields are absent rather than undefined. */
function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

/** Our packet -> the object mqtt-packet's generate() takes. */
export function toMqttPacket(packet: Packet, v: ProtocolVersion): MqttPacketObject {
  const props = v === 5 && "properties" in packet ? propertiesToMqttPacket(packet.properties) : undefined;
  switch (packet.type) {
    case "connect":
      return compact({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: packet.protocolVersion,
        clientId: packet.clientId,
        clean: packet.cleanStart,
        keepalive: packet.keepAlive,
        username: packet.username,
        password: packet.password === undefined ? undefined : toBuffer(packet.password),
        will:
          packet.will === undefined
            ? undefined
            : compact({
                topic: packet.will.topic,
                payload: toBuffer(packet.will.payload),
                qos: packet.will.qos,
                retain: packet.will.retain,
                properties: v === 5 ? propertiesToMqttPacket(packet.will.properties) : undefined,
              }),
        properties: props,
      });
    case "connack":
      return compact({
        cmd: "connack",
        sessionPresent: packet.sessionPresent,
        [v === 5 ? "reasonCode" : "returnCode"]: packet.reasonCode,
        properties: props,
      });
    case "publish":
      return compact({
        cmd: "publish",
        topic: packet.topic,
        payload: toBuffer(packet.payload),
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        messageId: packet.packetId,
        properties: props,
      });
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return compact({ cmd: packet.type, messageId: packet.packetId, reasonCode: v === 5 ? (packet.reasonCode ?? 0) : undefined, properties: props });
    case "subscribe":
      return compact({
        cmd: "subscribe",
        messageId: packet.packetId,
        subscriptions: packet.subscriptions.map((s) =>
          v === 5
            ? { topic: s.topicFilter, qos: s.qos, nl: s.noLocal ?? false, rap: s.retainAsPublished ?? false, rh: s.retainHandling ?? 0 }
            : { topic: s.topicFilter, qos: s.qos },
        ),
        properties: props,
      });
    case "suback":
      return compact({ cmd: "suback", messageId: packet.packetId, granted: [...packet.reasonCodes], properties: props });
    case "unsubscribe":
      return compact({ cmd: "unsubscribe", messageId: packet.packetId, unsubscriptions: [...packet.topicFilters], properties: props });
    case "unsuback":
      return compact({
        cmd: "unsuback",
        messageId: packet.packetId,
        granted: v === 5 ? [...(packet.reasonCodes ?? [])] : undefined,
        properties: props,
      });
    case "pingreq":
    case "pingresp":
      return { cmd: packet.type };
    case "disconnect":
    case "auth":
      return compact({ cmd: packet.type, reasonCode: v === 5 ? (packet.reasonCode ?? 0) : undefined, properties: props });
  }
}

/** A packet object mqtt-packet's parser emitted -> ours (in the shape our decoder produces). */
export function fromMqttPacket(o: MqttPacketObject, v: ProtocolVersion): Packet {
  const props = v === 5 ? propertiesFromMqttPacket(o.properties) : undefined;
  const id = o.messageId as number;
  switch (o.cmd) {
    case "connect": {
      const will = o.will as MqttPacketObject | undefined;
      return compact({
        type: "connect" as const,
        protocolVersion: o.protocolVersion as ProtocolVersion,
        clientId: o.clientId as string,
        cleanStart: o.clean as boolean,
        keepAlive: o.keepalive as number,
        username: o.username as string | undefined,
        password: o.password === undefined ? undefined : toBytes(o.password),
        will:
          will === undefined
            ? undefined
            : compact({
                topic: will.topic as string,
                payload: toBytes(will.payload),
                qos: will.qos as QoS,
                retain: will.retain as boolean,
                properties: v === 5 ? propertiesFromMqttPacket(will.properties) : undefined,
              }),
        properties: props,
      });
    }
    case "connack":
      return compact({
        type: "connack" as const,
        sessionPresent: o.sessionPresent as boolean,
        reasonCode: (v === 5 ? o.reasonCode : o.returnCode) as number,
        properties: props,
      });
    case "publish":
      return compact({
        type: "publish" as const,
        topic: o.topic as string,
        payload: toBytes(o.payload),
        qos: o.qos as QoS,
        retain: o.retain as boolean,
        dup: o.dup as boolean,
        packetId: (o.qos as number) > 0 ? id : undefined,
        properties: props,
      });
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return compact({
        type: o.cmd as "puback",
        packetId: id,
        reasonCode: v === 5 ? ((o.reasonCode as number | undefined) ?? 0) : undefined,
        properties: props,
      });
    case "subscribe":
      return compact({
        type: "subscribe" as const,
        packetId: id,
        subscriptions: (o.subscriptions as MqttPacketObject[]).map((s) => {
          const sub: Subscription = { topicFilter: s.topic as string, qos: s.qos as QoS };
          if (v === 5 && s.nl) sub.noLocal = true;
          if (v === 5 && s.rap) sub.retainAsPublished = true;
          if (v === 5 && s.rh) sub.retainHandling = s.rh as 1 | 2;
          return sub;
        }),
        properties: props,
      });
    case "suback":
      return compact({ type: "suback" as const, packetId: id, reasonCodes: [...(o.granted as number[])], properties: props });
    case "unsubscribe":
      return compact({ type: "unsubscribe" as const, packetId: id, topicFilters: [...(o.unsubscriptions as string[])], properties: props });
    case "unsuback":
      return compact({
        type: "unsuback" as const,
        packetId: id,
        reasonCodes: v === 5 ? [...(o.granted as number[])] : undefined,
        properties: props,
      });
    case "pingreq":
    case "pingresp":
      return { type: o.cmd };
    case "disconnect":
    case "auth":
      return compact({
        type: o.cmd,
        reasonCode: v === 5 ? ((o.reasonCode as number | undefined) ?? 0) : undefined,
        properties: props,
      });
    default:
      throw new Error(`mqtt-packet emitted an unknown cmd ${String(o.cmd)}`);
  }
}

/** mqtt-packet's encoding of our packet. */
export function mqttPacketGenerate(packet: Packet, v: ProtocolVersion): Uint8Array {
  return new Uint8Array(mqttPacket.generate(toMqttPacket(packet, v) as unknown as mqttPacket.Packet, { protocolVersion: v }));
}

/** Every packet mqtt-packet's parser finds in `bytes` (mapped to our shape); throws what it reports. */
export function mqttPacketParse(bytes: Uint8Array, v: ProtocolVersion): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: v });
  const packets: Packet[] = [];
  let failure: unknown;
  parser.on("packet", (o: unknown) => packets.push(fromMqttPacket(o as MqttPacketObject, v)));
  parser.on("error", (e: unknown) => (failure ??= e));
  parser.parse(Buffer.from(bytes));
  if (failure !== undefined) throw failure;
  return packets;
}

function normalizeProperties(p: Properties | undefined): Properties | undefined {
  if (p?.userProperties === undefined) return p;
  // Array.prototype.sort is stable: values of one name keep their order.
  const sorted = [...p.userProperties].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { ...p, userProperties: sorted };
}

/** Our packet with User Properties in mqtt-packet's canonical order (grouped and sorted by name). */
export function normalize(packet: Packet): Packet {
  const out = { ...packet } as Packet & { properties?: Properties };
  if ("properties" in packet && packet.properties !== undefined) out.properties = normalizeProperties(packet.properties);
  if (packet.type === "connect" && packet.will?.properties !== undefined) {
    (out as typeof packet).will = { ...packet.will, properties: normalizeProperties(packet.will.properties) };
  }
  return out;
}

/** mqtt-packet writes User Properties grouped by name in object key order (integer-like names first). */
function userPropertiesInMqttPacketOrder(p: Properties | undefined): boolean {
  const pairs = p?.userProperties;
  if (pairs === undefined) return true;
  const grouped = propertiesToMqttPacket({ userProperties: pairs })?.userProperties as Record<string, string | string[]>;
  const order = Object.keys(grouped).flatMap((name) => {
    const value = grouped[name];
    return (Array.isArray(value) ? value : [value]).map((one) => `${name}\u0000${one}`);
  });
  return order.join("\u0001") === pairs.map(([name, value]) => `${name}\u0000${value}`).join("\u0001");
}

/**
 * Whether mqtt-packet produces exactly our bytes for this packet. Both write the same fields in the same
 * order, except: User Properties that mqtt-packet's object form cannot order like ours; 5.0 PUBACK /
 * PUBREC / PUBREL / PUBCOMP with a non-zero reason code and no properties (we omit the empty Property
 * Length, 3.4.2.2.1; mqtt-packet writes it); 5.0 DISCONNECT without properties (we send Remaining Length 0
 * for Normal disconnection and omit the empty Property Length, 3.14.2.1; mqtt-packet always writes both).
 */
export function isByteCanonical(packet: Packet, v: ProtocolVersion): boolean {
  if (v === 4) return true;
  const props = "properties" in packet ? packet.properties : undefined;
  if (!userPropertiesInMqttPacketOrder(props)) return false;
  if (packet.type === "connect" && !userPropertiesInMqttPacketOrder(packet.will?.properties)) return false;
  const hasProps = props !== undefined && Object.keys(props).length > 0;
  switch (packet.type) {
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return hasProps || (packet.reasonCode ?? 0) === 0;
    case "disconnect":
      return hasProps;
    default:
      return true;
  }
}
