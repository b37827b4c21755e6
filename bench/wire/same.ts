// The fair peer of the wire bench: MQTT.js speaking MQTT 5 with topic aliases (autoAssignTopicAlias) that
// does exactly what the app's client did (ours.ts records it): the same CONNECT (client id, keep
// alive, will, properties), the same subscription, and the same publishes - the status and every SenML
// batch, byte for byte, with the same QoS, retain flags and properties - each when the previous one is
// acknowledged. The payloads being equal, the difference between the two runs is what the two clients
// and their transports do with them. Against a 3.1.1 broker (aedes) both speak 3.1.1: no aliases, no
// properties.
import type mqtt from "mqtt";
import type { PublishOptions } from "../../firmware/mqtt/client/options.js";
import type { Session } from "./ours.js";
import { connectMqttJs, publishAndClose, type PeerOptions } from "./peer.js";
import { startCountingRelay } from "./relay.js";
import type { RunResult } from "./run-result.js";
import { mqttTap } from "./tap.js";

export async function runSame(o: Omit<PeerOptions, "readings"> & { session: Session; readings: number }): Promise<RunResult> {
  const started = Date.now();
  const relay = await startCountingRelay(o.broker);
  const c = o.session.connect;
  const v5 = c.protocolVersion === 5;
  const tap = mqttTap(v5 ? 5 : 4);
  let client: mqtt.MqttClient | undefined;
  try {
    client = await connectMqttJs(
      relay,
      o.tls,
      {
        protocolVersion: v5 ? 5 : 4,
        clientId: c.clientId,
        clean: c.clean,
        keepalive: c.keepalive,
        ...(c.will ? { will: { ...c.will, payload: Buffer.from(c.will.payload) } } : {}),
        ...(v5 && c.properties ? { properties: c.properties } : {}),
        autoAssignTopicAlias: v5,
      },
      tap,
    );
    const setup = relay.total();
    for (const topic of o.session.subscriptions) await client.subscribeAsync(topic, { qos: 1 });
    const publishes = o.session.publishes;
    return await publishAndClose({ relay, tap, client, started, setup, readings: o.readings }, publishes.length, (c, i) => {
      const p = publishes[i];
      const properties = v5 ? mqttJsProperties(p.options.properties) : undefined;
      return c.publishAsync(p.topic, Buffer.from(p.payload), { qos: p.options.qos ?? 0, retain: p.options.retain ?? false, ...(properties ? { properties } : {}) });
    });
  } finally {
    client?.end(true);
    await relay.close();
  }
}

/** Our publish properties in MQTT.js's shape (its Payload Format Indicator is a boolean). Only those the app
 *  sets are expected; any other would go unsent and make the comparison unfair, so it stops the bench. */
function mqttJsProperties(p: PublishOptions["properties"]): mqtt.IClientPublishOptions["properties"] {
  if (!p) return undefined;
  const { contentType, payloadFormatIndicator, ...rest } = p;
  if (Object.keys(rest).length > 0) throw new Error(`wire bench: publish properties not passed to MQTT.js: ${Object.keys(rest).join(", ")}`);
  return {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(payloadFormatIndicator !== undefined ? { payloadFormatIndicator: payloadFormatIndicator === 1 } : {}),
  };
}
