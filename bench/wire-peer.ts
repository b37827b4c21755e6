// The peer side of the wire bench: MQTT.js as a naive publisher would use it: mqtts, MQTT 3.1.1 (its
// default), one JSON document per reading at QoS 1 on devices/<id>/telemetry. Each reading is published
// when the previous one's PUBACK is back, as at 1 Hz on a real link (so packets are never coalesced more
// than they would be in the field); its time is real, the bytes go through the same kind of relay.
import mqtt from "mqtt";
import { DEVICE_HANDSHAKE } from "../host-sim/tls-profile.js";
import { minus, recordTotals, type RunResult, type WireReading } from "./wire-run.js";
import { startCountingRelay } from "./wire-relay.js";

export interface PeerOptions {
  broker: { host: string; port: number };
  /** PEM. */
  tls: { ca: string; cert: string; key: string };
  deviceId: string;
  readings: WireReading[];
}

/** The naive document: device id, type name, unit word and ISO time in every message. */
export function naiveDocument(deviceId: string, reading: WireReading, seq: number): string {
  return JSON.stringify({
    deviceId,
    type: reading.kind === "hr" ? "heart_rate" : "body_temperature",
    value: reading.value,
    unit: reading.kind === "hr" ? "bpm" : "celsius",
    timestamp: new Date(reading.time).toISOString(),
    seq,
  });
}

export async function runPeer(o: PeerOptions): Promise<RunResult> {
  const started = Date.now();
  const relay = await startCountingRelay(o.broker);
  let client: mqtt.MqttClient | undefined;
  try {
    client = await mqtt.connectAsync({
      protocol: "mqtts",
      host: "127.0.0.1",
      port: relay.port,
      protocolVersion: 4,
      clientId: o.deviceId,
      clean: true,
      reconnectPeriod: 0,
      ca: o.tls.ca,
      cert: o.tls.cert,
      key: o.tls.key,
      // The same TLS as the device profile (host-sim/tls-profile.ts): TLS 1.2, the device's suites and curve.
      ...DEVICE_HANDSHAKE,
    });
    const setup = relay.total(); // CONNACK has crossed the relay
    const topic = `devices/${o.deviceId}/telemetry`;
    let max = 0;
    let sumLatency = 0;
    for (let i = 0; i < o.readings.length; i++) {
      const sent = performance.now();
      await client.publishAsync(topic, naiveDocument(o.deviceId, o.readings[i], i + 1), { qos: 1 });
      const latency = performance.now() - sent;
      max = Math.max(max, latency);
      sumLatency += latency;
    }
    const before = relay.total();
    await client.endAsync();
    await relay.idle();
    const total = relay.total();
    const first = relay.connections[0];
    return {
      readings: o.readings.length,
      total,
      setup,
      teardown: minus(total, before),
      records: recordTotals(relay),
      publishes: o.readings.length,
      maxLatencyMs: max,
      meanLatencyMs: sumLatency / o.readings.length,
      tlsVersion: first.serverVersion,
      cipherSuite: first.cipherSuite,
      wallMs: Date.now() - started,
    };
  } finally {
    client?.end(true);
    await relay.close();
  }
}
