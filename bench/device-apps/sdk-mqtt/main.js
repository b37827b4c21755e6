// Peer (a) of `npm run bench -- device`: the Moddable SDK's own MQTT client ("mqtt": MQTT 3.1.1, QoS 0
// only, no reconnect) over the SDK's TLS (SecureSocket) with the same mutual-TLS credentials as the
// firmware: one subscription (the device's commands topic, what the broker's ACL lets it read) and a
// 60-byte QoS 0 publish once a second, as the client-only app (b), examples/mqtt-client with qos=0, does.
import config from "mc/config";
import Client from "mqtt";
import Resource from "Resource";
import SecureSocket from "securesocket";
import Timer from "timer";

const PAYLOAD = "0123456789".repeat(6); // 60 bytes

function load(name) {
	const resource = new Resource(name);
	return resource;
}

export default function main() {
	const topic = `devices/${config.deviceId}/example`;
	const commands = `devices/${config.deviceId}/config`;
	const client = new Client({
		host: config.mqttHost,
		port: Number(config.mqttPort),
		id: config.deviceId,
		timeout: 60_000,
		Socket: SecureSocket,
		secure: {
			protocolVersion: 0x303,
			certificate: load("ca.der"),
			clientCertificates: [load("device.der")],
			clientKey: load("device-key.der"),
		},
	});
	client.onReady = () => {
		trace(`mqtt: connected to ${config.mqttHost}:${config.mqttPort}\n`);
		client.subscribe(commands);
		Timer.repeat(() => client.publish(topic, PAYLOAD), 1000);
	};
	client.onMessage = (topic, payload) => trace(`mqtt: ${payload.byteLength} bytes on ${topic}\n`);
	client.onClose = () => trace("mqtt: closed\n");
}
