// `npm run bench -- energy`, the handshake table: the firmware's TLS socket binding (the SDK's TLS session
// under it, as firmware/mqtt/platform/moddable/socket.ts builds it) opens connections to the broker one after
// the other in the Moddable simulator, with the esp32 memory, and traces how long each handshake took and
// the most XS heap it held. A full handshake (certificates, ECDHE, the client's RSA signature) and one that
// resumes the session of an earlier one by its id alternate; the bench's relay counts their bytes, flights and
// tells which resumed. The heap is sampled after a collection at every step of the handshake (the session's
// handshake() calls), in connections of their own so that the collections do not slow the timed ones.
import config from "mc/config";
import Debug from "debug";
import Instrumentation from "instrumentation";
import Time from "time";
import Timer from "timer";
import Session from "ssl/session";
import sessionCache from "ssl/cache";
import { deviceTls } from "mqtt/platform/moddable/certificates";
import { sdkSocketPlatform } from "mqtt/platform/moddable/socket";
import { moddableSocketClass, type SocketPlatform } from "mqtt/platform/ecma419/tcp-tls-socket";
import { deviceSettings } from "platform/device-settings";

/** full: the session cache is emptied first (a full handshake, whose session is kept for the next); heap:
 *  sampled. */
const PLAN: { full: boolean; heap: boolean }[] = [
	{ full: true, heap: false },
	{ full: false, heap: false },
	{ full: true, heap: false },
	{ full: false, heap: false },
	{ full: true, heap: false },
	{ full: false, heap: false },
	{ full: true, heap: true },
	{ full: false, heap: true },
];

const run = { index: 0, full: true, heap: false, peak: 0 };

function heapInUse(): number {
	Debug.gc();
	return (Instrumentation.get(Instrumentation.map("XS Chunk Heap Used")) ?? 0) + (Instrumentation.get(Instrumentation.map("XS Slot Heap Used")) ?? 0);
}

/** The SDK's session, watched. */
class WatchedSession extends Session {
	override handshake(socket: object): boolean {
		const done = super.handshake(socket);
		if (run.heap) run.peak = Math.max(run.peak, heapInUse());
		return done;
	}
}

const WatchedSocket = moddableSocketClass({ ...sdkSocketPlatform, Session: WatchedSession as unknown as SocketPlatform["Session"] });

export default function tlsResume(): void {
	const settings = deviceSettings(config);
	const secure = deviceTls(settings.serverName);
	const next = (): void => {
		const step = PLAN[run.index];
		if (!step) {
			trace("tls-resume: done\n");
			return;
		}
		run.full = step.full;
		run.heap = step.heap;
		if (step.full) sessionCache.deleteSessionID();
		const before = heapInUse();
		run.peak = before;
		const started = Time.ticks;
		let socket: InstanceType<typeof WatchedSocket> | undefined;
		socket = new WatchedSocket({
			host: settings.broker.host,
			port: settings.broker.port,
			secure,
			onWritable() {
				if (!socket) return;
				const ms = Time.ticks - started;
				const held = socket;
				socket = undefined;
				trace(`tls-resume: ${run.index} ${run.full ? "full" : "resume"} ms ${ms}${run.heap ? ` peak ${run.peak - before}` : ""}\n`);
				held.close();
				run.index++;
				Timer.set(next, 500);
			},
			onReadable() {},
			onError(error?: Error) {
				trace(`tls-resume: failed: ${error?.message}\n`);
			},
		});
	};
	Timer.set(next, 500);
}
