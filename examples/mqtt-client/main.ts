// The project's MQTT client alone in a Moddable app: mutual TLS, a subscription to the device's commands
// (`devices/<id>/config`, what the broker's ACL lets a device read), a 60-byte publish every `publishMs` at
// QoS `qos` (1 by default: each message is kept until the broker acknowledges it), and reconnection with
// backoff that resumes the session, resending what was not acknowledged (MQTT 4.4).
//
//   mcconfig -d -m -p lin                      (from this folder; npm run certs in the project first)
//   mcconfig -d -m -p esp32/nodemcu ssid=... password=... mqttHost=broker.lan
import config from "mc/config";
import Timer from "timer";
import { MqttClient } from "mqtt/client/client";
import { deviceTls } from "mqtt/platform/moddable/certificates";
import { moddableClock } from "mqtt/platform/moddable/clock";
import { ModdableSocket } from "mqtt/platform/moddable/socket";

/** 60 bytes, the size of a small sensor reading. */
const PAYLOAD = "example payload: sixty bytes of text, sent once a second....";

export default function main(): void {
  const deviceId = String(config.deviceId);
  const topic = `devices/${deviceId}/example`;
  const commands = `devices/${deviceId}/config`;
  const qos = Number(config.qos) === 0 ? 0 : 1;
  let delivered = 0;
  let received = 0;
  const client = new MqttClient({
    Socket: ModdableSocket,
    clock: moddableClock,
    brokers: [{ host: String(config.mqttHost), port: Number(config.mqttPort) }],
    secure: deviceTls(),
    clientId: deviceId,
    cleanStart: false, // resume the session after a drop: unacknowledged QoS 1 messages are resent
    onConnect: (info) => trace(`mqtt: connected to ${info.broker.host}:${info.broker.port} (session present ${info.sessionPresent})\n`),
    onDisconnect: (reason) => trace(`mqtt: disconnected: ${reason.message}\n`),
    onError: (error) => trace(`mqtt: ${error.name}: ${error.message}\n`),
    onMessage: (topic, payload) => {
      received++;
      trace(`mqtt: ${payload.length} bytes on ${topic}\n`);
    },
  });
  // One function for every completion: no closure per message.
  const onDone = (error?: Error): void => {
    if (error) trace(`mqtt: not delivered: ${error.message}\n`);
    else delivered++;
  };
  client.subscribe({ topicFilter: commands, qos: 1 });
  client.connect();
  let ticks = 0;
  Timer.repeat(() => {
    // While the broker is away, messages wait in the client's bounded queue; false means it is full.
    if (!client.tryPublish(topic, PAYLOAD, { qos }, onDone)) trace("mqtt: queue full, message dropped\n");
    if (++ticks % 10 === 0) trace(`example: ${delivered} delivered, ${received} received, ${client.queued + client.inflight} pending\n`);
  }, Number(config.publishMs));
}
