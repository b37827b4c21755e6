// Peer (e) of `npm run bench -- device`: the Moddable SDK's feature-comparable MQTT client, the ECMA-419
// MQTT client ($MODDABLE/examples/io/tcp/mqttclient: MQTT 3.1.1, QoS 0, 1 and 2, keep alive) under its MQTT.js-style
// wrapper ($MODDABLE/examples/io/tcp/mqtt: publish and subscribe callbacks, resubscribe, republish and reconnect), over
// the SDK's ECMA-419 TLS socket ($MODDABLE/examples/io/tcp/tlssocket) with the same mutual-TLS credentials as the
// firmware. It does what our client alone (d), examples/mqtt-client with qos=1, does: one subscription at
// QoS 1 (the device's commands topic, what the broker's ACL lets it read) and a 60-byte QoS 1 publish once a
// second, counting the acknowledged ones. The client and the wrapper are in a full SDK, not in the trimmed
// snapshot: MODDABLE_REPO may name a Moddable checkout that has them (docs/device.md#the-sdks-qos-1-client-e).
import config from "mc/config";
import * as mqtt from "mqtt/js";
import { installPeerNetwork } from "peer/network";
import Timer from "timer";

const PAYLOAD = "0123456789".repeat(6); // 60 bytes

export default function main() {
	installPeerNetwork();
	const topic = `devices/${config.deviceId}/example`;
	const commands = `devices/${config.deviceId}/config`;
	let delivered = 0;
	let received = 0;
	const client = mqtt.connect(`mqtts://${config.mqttHost}:${config.mqttPort}`, { clientId: config.deviceId, keepalive: 60 });
	client.on("connect", () => trace(`mqtt: connected to ${config.mqttHost}:${config.mqttPort}\n`));
	client.on("offline", () => trace("mqtt: offline\n"));
	client.on("error", (error) => trace(`mqtt: error ${error}\n`));
	client.on("message", (topic, message) => {
		received++;
		trace(`mqtt: ${message.byteLength} bytes on ${topic}\n`);
	});
	// One function for every completion: no closure per message.
	const onDone = (error) => {
		if (error) trace(`mqtt: not delivered: ${error.message}\n`);
		else delivered++;
	};
	client.subscribe(commands, { qos: 1 });
	let ticks = 0;
	Timer.repeat(() => {
		client.publish(topic, PAYLOAD, { qos: 1 }, onDone);
		if (++ticks % 10 === 0) trace(`example: ${delivered} delivered, ${received} received\n`);
	}, Number(config.publishMs));
}
