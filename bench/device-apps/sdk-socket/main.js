// `npm run bench -- device`, the per-part table's reference row: the socket the SDK's own MQTT client (a)
// sits on, the SDK's SecureSocket with its original TLS session, measured as the parts app measures ours:
// the XS heap in use after a forced collection before it is made and once its handshake is done. Its own
// app because the SDK's original TLS session and the ECMA-419 one our binding uses share a module name.
import config from "mc/config";
import Debug from "debug";
import Instrumentation from "instrumentation";
import Resource from "Resource";
import SecureSocket from "securesocket";
import Timer from "timer";

const kept = [];

function heapInUse() {
	Debug.gc();
	return [Instrumentation.get(Instrumentation.map("XS Chunk Heap Used")) ?? 0, Instrumentation.get(Instrumentation.map("XS Slot Heap Used")) ?? 0];
}

export default function main() {
	// The same credentials as (a), in flash (resources), made before the measurement as the parts app does.
	const secure = {
		protocolVersion: 0x303,
		certificate: new Resource("ca.der"),
		clientCertificates: [new Resource("device.der")],
		clientKey: new Resource("device-key.der"),
	};
	kept.push(secure);
	const [chunk, slot] = heapInUse();
	let open = false;
	const socket = new SecureSocket({ host: config.mqttHost, port: Number(config.mqttPort), secure });
	socket.callback = function (message) {
		if (message < 0) trace(`parts: SDK socket failed (${message})\n`);
		if (message !== 1 || open) return;
		open = true; // connected: SecureSocket reports it once the TLS handshake is done
		Timer.set(() => {
			const [chunkAfter, slotAfter] = heapInUse();
			trace(`part: reference: the SDK's SecureSocket (socket, original TLS session after the handshake) chunk ${chunkAfter - chunk} slot ${slotAfter - slot}\n`);
			trace("parts: done\n");
		}, 200);
	};
	kept.push(socket);
}
