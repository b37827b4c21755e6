// The device.network entries the SDK's MQTT.js-style wrapper ($MODDABLE/examples/io/tcp/mqtt) reads, as its example's
// config.js writes them (preloaded and frozen, so in flash), plus "mqtts" over the SDK's ECMA-419 TLS socket
// with the device's credentials, left in flash (resources) as ours are. Only what holds the credentials is
// made at run time: a Resource cannot be made while a module is preloaded.
import TCP from "embedded:io/socket/tcp";
import TLSSocket from "embedded:io/socket/tcp/tls";
import UDP from "embedded:io/socket/udp";
import MQTTClient from "embedded:network/mqtt/client";
import Resolver from "embedded:network/dns/resolver/udp";
import Resource from "Resource";

const dns = Object.freeze({ io: Resolver, servers: ["1.1.1.1"], socket: { io: UDP } }, true);
// The wrapper builds its client with device.network.mqtt.io and reads its constants there, whatever the URL.
const mqtt = Object.freeze({ io: MQTTClient, dns, socket: { io: TCP } }, true);
const tcp = Object.freeze({ io: TCP }, true);

export function installPeerNetwork() {
	const secure = {
		certificate: new Resource("ca.der"),
		clientCertificates: [new Resource("device.der")],
		clientKey: new Resource("device-key.der"),
	};
	globalThis.device = { network: { mqtt, mqtts: { io: MQTTClient, dns, socket: { io: TLSSocket, TCP: tcp, secure } } } };
	return globalThis.device.network;
}
