// `npm run bench -- device`, the per-part table: the firmware's parts built one after the other, each kept
// alive, with the XS heap in use after a forced collection traced after each (the difference is what the
// part holds). The whole firmware is measured apart (app (c)); the parts overlap it, so this build gets
// twice the esp32 heap. Each part is built as firmware/main.ts builds it.
import config from "mc/config";
import Debug from "debug";
import Instrumentation from "instrumentation";
import Timer from "timer";
import { moddableClock as clock } from "mqtt/platform/moddable/clock";
import { deviceTls } from "mqtt/platform/moddable/certificates";
import { IDENTITY_PARTITION, openIdentity } from "identity/open-identity";
import { CertificateRenewal } from "identity/renewal";
import { openPartition } from "platform/moddable/flash-partition";
import { rsaSigner } from "platform/moddable/rsa-signer";
import type { DeviceIdentity } from "identity/device-identity";
import { deviceSettings } from "platform/device-settings";
import { startSensors } from "platform/moddable/sensors";
import { ModdableSocket } from "mqtt/platform/moddable/socket";
import { openStorage } from "platform/moddable/storage";
import { MqttClient } from "mqtt/client/client";
import { ServerLimits } from "mqtt/client/connect";
import { OutgoingQueue } from "mqtt/client/outgoing";
import { OutputBuffer } from "mqtt/client/output";
import { SessionState } from "mqtt/client/session";
import { Backoff } from "mqtt/common/backoff";
import { ClientTimers } from "mqtt/client/timers";
import { PacketDecoder } from "mqtt/codec/decode";
import { HeartRateEstimator } from "sensors/heart-rate";
import { Batcher } from "telemetry/batcher";
import { deviceTopics } from "telemetry/device-topics";
import { AlarmMonitor, NEWS2_THRESHOLDS } from "telemetry/news2";
import { READING_BYTES } from "telemetry/reading";
import { Outbox } from "telemetry/outbox";
import { ReadingTimes } from "telemetry/reading-time";
import { TelemetryApp } from "telemetry/app";
import { Network } from "network/network";
import { TimeSync } from "network/time-sync";
import { ModdableUdp, moddableResolve } from "platform/moddable/udp";
import { wifiClass } from "platform/moddable/wifi";

const kept: unknown[] = [];

function heapInUse(): [number, number] {
	Debug.gc();
	const chunk = Instrumentation.get(Instrumentation.map("XS Chunk Heap Used")) ?? 0;
	const slot = Instrumentation.get(Instrumentation.map("XS Slot Heap Used")) ?? 0;
	return [chunk, slot];
}

function part<T>(name: string, build: () => T): T {
	const [chunk, slot] = heapInUse();
	const built = build();
	kept.push(built);
	const [chunkAfter, slotAfter] = heapInUse();
	trace(`part: ${name} chunk ${chunkAfter - chunk} slot ${slotAfter - slot}\n`);
	return built;
}

/** The credentials as ArrayBuffers of their own: what a store that cannot be mapped would hold in RAM. */
type TlsOptions = DeviceIdentity["tls"];
type Der = ArrayBuffer | Uint8Array;
function copied(tls: TlsOptions): TlsOptions {
	const own = (b: Der) => (b instanceof Uint8Array ? b.slice().buffer : b);
	const cas = Array.isArray(tls.certificate) ? tls.certificate : [tls.certificate as Der];
	return { certificate: cas.map(own), clientCertificates: (tls.clientCertificates ?? []).map(own), clientKey: own(tls.clientKey as Der) };
}

export default function parts(): void {
	const settings = part("device settings (mc/config)", () => deviceSettings(config));
	const identity = part("identity (credentials store, TLS views of the mapped identity partition)", () => openIdentity(openPartition(IDENTITY_PARTITION), settings.serverName)) as DeviceIdentity;
	part("  TLS credentials as resources in the image (before the credentials store)", () => deviceTls(settings.serverName));
	part("  TLS credentials copied to RAM (a store read into ArrayBuffers)", () => copied(identity.tls));
	const secure = identity.tls;
	const storage = part("storage (files)", () => openStorage("parts"));
	part("outbox (segment table, acknowledged ranges, page)", () => new Outbox({ storage, recordBytes: READING_BYTES }));
	part("reading times (clock anchors of the last boots)", () => new ReadingTimes(clock, storage, 1));
	part("batcher", () => new Batcher({ clock, maxReadings: 12, maxAgeMs: 60000, onFlush() {} }));
	part("alarm monitor (NEWS2)", () => new AlarmMonitor(NEWS2_THRESHOLDS));
	part("heart-rate estimator", () => new HeartRateEstimator({ sampleRate: 100 }));
	part("sensor chain (lin: simulated PPG, estimator, thermometer, drain timer)", () => startSensors(clock, () => {}));
	part("telemetry app (outbox, sampler, uplink, reports, remote config, certificate renewal, its client; constructed)", () =>
		new TelemetryApp({ deviceId: identity.deviceId, clock, storage: openStorage("parts-app"), sensors: {}, waitForNetwork: true, identity: { identity, sign: rsaSigner }, mqtt: { Socket: ModdableSocket, clock, brokers: [settings.broker], secure } }));
	const client = { connected: false, publish() {}, subscribe() {}, unsubscribe() {}, reconnect() {} };
	part("  app: certificate renewal (between renewals)", () => new CertificateRenewal({ identity, sign: rsaSigner, clock, owner: { client, topics: deviceTopics(identity.deviceId), error() {} } }));
	const WiFi = part("Wi-Fi interface class (lin: the simulated one and its airwaves)", () => wifiClass());
	part("network (Wi-Fi policy and SNTP, constructed)", () => new Network({ WiFi, networks: settings.networks, clock, sntp: { UDP: ModdableUdp, resolve: moddableResolve, servers: settings.sntp } }));
	part("  network: SNTP rounds", () => new TimeSync({ UDP: ModdableUdp, resolve: moddableResolve, clock, servers: settings.sntp, onTime() {}, onFailed() {} }));
	part("MQTT client (constructed)", () => new MqttClient({ Socket: ModdableSocket, clock, brokers: [settings.broker], secure, clientId: "parts" }));
	// What the client holds, piece by piece, as its constructor builds them (3.1.1, default limits).
	const owner = { connectTimedOut() {}, reconnectDue() {}, pingDue() {}, pingTimedOut() {} };
	part("  client: session (in flight, pending, granted, QoS 2 receiver, identifiers)", () => new SessionState(undefined));
	part("  client: timers (connect, backoff, keep alive; one timer)", () => new ClientTimers(clock, owner));
	part("  client: decoder", () => new PacketDecoder({ protocolVersion: 4, maximumPacketSize: 65536, oversize: "skip" }));
	part("  client: output buffer", () => new OutputBuffer());
	part("  client: queue", () => new OutgoingQueue(1000, 256 * 1024));
	part("  client: server limits", () => new ServerLimits());
	part("  client: backoff", () => new Backoff(1000, 60000, Math.random));
	// The socket binding and the TLS session: measured once the handshake is done.
	const [chunk, slot] = heapInUse();
	let open = false;
	kept.push(new ModdableSocket({
		host: settings.broker.host,
		port: settings.broker.port,
		secure: { ...secure, serverName: settings.serverName ?? settings.broker.host },
		onWritable() {
			if (open) return;
			open = true;
			Timer.set(() => {
				const [chunkAfter, slotAfter] = heapInUse();
				trace(`part: TLS socket (binding, TCP, TLS session after the handshake) chunk ${chunkAfter - chunk} slot ${slotAfter - slot}\n`);
				trace("parts: done\n");
			}, 200);
		},
		onReadable() {},
		onError(error?: Error) {
			trace(`parts: socket failed: ${error?.message}\n`);
		},
	}));
}
