// `npm run bench -- device`, the per-part table's rows for peer (e): the SDK's ECMA-419 TLS socket, the
// ECMA-419 MQTT client over it and the MQTT.js-style wrapper over that, each measured as the parts app
// measures ours (the XS heap in use after a forced collection, before it is made and once it is up), one
// after the other, each closed before the next. The client and the wrapper make their own socket (and
// client), so their own share is the difference between two measurements.
import config from "mc/config";
import Debug from "debug";
import Instrumentation from "instrumentation";
import MQTTClient from "embedded:network/mqtt/client";
import * as mqtt from "mqtt/js";
import { installPeerNetwork } from "peer/network";
import Timer from "timer";

const host = config.mqttHost;
const port = Number(config.mqttPort);
function heapInUse() {
	Debug.gc();
	return [Instrumentation.get(Instrumentation.map("XS Chunk Heap Used")) ?? 0, Instrumentation.get(Instrumentation.map("XS Slot Heap Used")) ?? 0];
}

function part(name, [chunk, slot], [chunkBelow, slotBelow] = [0, 0]) {
	trace(`part: ${name} chunk ${chunk - chunkBelow} slot ${slot - slotBelow}\n`);
}

// Measures what `make(up)` builds once it calls `up()`, 200 ms later (as the parts app does), then closes it
// and hands the figures to `next`. Each measurement has its own baseline, taken just before.
function measure(make, close, next) {
	const [chunk, slot] = heapInUse();
	let made;
	const up = () => Timer.set(() => {
		const [chunkAfter, slotAfter] = heapInUse();
		close(made);
		Timer.set(() => next([chunkAfter - chunk, slotAfter - slot]), 200);
	}, 200);
	made = make(up);
}

export default function main() {
	const network = installPeerNetwork();
	const fail = () => trace("parts: peer failed\n");
	const tlsSocket = (up) => {
		let open = false;
		return new network.mqtts.socket.io({
			...network.mqtts.socket,
			address: host,
			host,
			port,
			onWritable() {
				if (!open) {
					open = true; // the TLS socket reports writable once its handshake is done
					up();
				}
			},
			onReadable() {},
			onError: fail,
		});
	};
	const ecma419Client = (up) => new MQTTClient({
		...network.mqtts,
		host,
		port,
		id: config.deviceId,
		keepalive: 60_000,
		onControl(message) {
			if (message.operation === MQTTClient.CONNACK) up();
		},
		onError: fail,
	});
	const wrapper = (up) => {
		const client = mqtt.connect(`mqtts://${host}:${port}`, { clientId: config.deviceId, keepalive: 60, reconnectPeriod: 0 });
		client.on("connect", up); // once the subscription below is acknowledged too
		client.on("error", fail);
		client.subscribe(`devices/${config.deviceId}/config`, { qos: 1 });
		return client;
	};
	// The first TLS connection holds more than later ones: state the TLS stack keeps from its first use, and
	// the client and the wrapper resume the session it cached (ssl/cache). So the socket is measured twice:
	// first (the row, measured as ours is in the parts app), then resumed (the baseline for the client's share).
	const closeSocket = (socket) => socket.close();
	measure(tlsSocket, closeSocket, (first) =>
		measure(tlsSocket, closeSocket, (resumed) =>
			measure(ecma419Client, (client) => client.close(), (client) =>
				measure(wrapper, (client) => client.end(true), (connected) => {
					part("peer (e): the SDK's ECMA-419 TLSSocket (TCP socket, TLS session after the handshake)", first);
					part("peer (e):   the same socket's second connection (resumed) holds less by", first, resumed);
					part("peer (e): the SDK's ECMA-419 MQTT client (after CONNACK; its socket excluded)", client, resumed);
					part("peer (e): the MQTT.js-style wrapper (connected, one subscription; client and socket excluded)", connected, client);
					trace("parts: done\n");
				}))));
}
