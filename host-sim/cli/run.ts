// Composes a CLI run: credentials, the broker (external or embedded), the simulated devices, the live
// view, the --readings goal, --outage, and a clean stop on Ctrl-C. Resolves to the exit code.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadPleth } from "../chips/ppg-files.js";
import { SimulatedDevice } from "../device-sim.js";
import type { LightSetting } from "../device/light.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "../embedded-broker.js";
import { startRenewalService, type RenewalService } from "../renewal-service.js";
import { startSntpServer } from "../sntp-server.js";
import { resolveCredentials, type Credentials } from "./credentials.js";
import { fatalReason } from "./fatal.js";
import { LiveView } from "./live-view.js";
import { UsageError, type CliOptions } from "./options.js";

export interface RunIo {
  stdout: { write(text: string): void; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): void };
  /** Signals that end the run cleanly (SIGINT, SIGTERM). */
  onStopSignal(handler: () => void): void;
}

export const EXIT = { ok: 0, fatal: 1, usage: 2 } as const;

async function startBroker(options: CliOptions, credentials: Credentials): Promise<EmbeddedBroker> {
  const { ca, cert, key, crl } = credentials.broker!;
  try {
    return await startEmbeddedBroker({ ca, cert, key, crl, port: options.listenPort ?? 8883 });
  } catch (error) {
    // The default port may be taken (another broker): any free port will do then.
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE" && options.listenPort === undefined) {
      return startEmbeddedBroker({ ca, cert, key, crl, port: 0 });
    }
    throw error;
  }
}

function light(options: CliOptions): LightSetting {
  if (options.ppg !== undefined) {
    let recording;
    try {
      recording = loadPleth(options.ppg);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--ppg ${options.ppg}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
    }
    if (!(recording.values.length > 1 && recording.rate > 0) || recording.values.some((v) => !Number.isFinite(v))) {
      throw new UsageError(`--ppg ${options.ppg}: expected "time_s,pleth" rows with a header`);
    }
    return { kind: "replay", recording };
  }
  return options.hr.kind === "ramp" ? { kind: "ramp" } : options.hr;
}

export async function run(options: CliOptions, io: RunIo): Promise<number> {
  const embedded = options.broker === undefined;
  const lightSetting = light(options);
  const dataDir = resolve(options.dataDir);
  const credentials = await resolveCredentials({ ...options, dataDir, embedded, deviceIds: options.deviceIds });
  if (credentials.issued.length > 0) io.stderr.write(`dev certificates issued in ${credentials.devPki!.dir}: ${credentials.issued.join(", ")}\n`);
  for (const store of credentials.provisioned) io.stdout.write(`credentials store provisioned: ${store}\n`);
  const broker = embedded ? await startBroker(options, credentials) : undefined;
  // With the embedded broker, the back end's renewal service signs the devices' renewed certificates.
  let renewal: RenewalService | undefined;
  if (broker) {
    const pki = credentials.devPki!;
    const pem = (path: string) => readFileSync(path, "utf8");
    renewal = await startRenewalService({
      port: broker.port,
      tls: { ca: pem(pki.ca.certPem), cert: pem(pki.renewal.certPem), key: pem(pki.renewal.keyPem), servername: "localhost" },
      ca: pki.ca,
    });
  }
  // The broker certificate of the dev PKI names localhost; the device checks that name (SAN) as it would.
  const target = options.broker ?? { host: "localhost", port: broker!.port };
  const brokerLabel = `mqtts://${target.host}:${target.port}${embedded ? " (embedded aedes)" : ""}`;

  let finished: (code: number) => void = () => {};
  const outcome = new Promise<number>((r) => (finished = r));
  let fatal: string | undefined;
  const devices: SimulatedDevice[] = [];
  // The devices' time server: their clocks start unset, as a board's do, and SNTP sets them.
  const sntp = await startSntpServer();
  const outages = new Set<string>();
  let view: LiveView | undefined;

  const done = new Set<string>();
  // Called on every event of a device (acks, connection changes), so it looks at that device only.
  const changed = (device: SimulatedDevice): void => {
    const s = device.snapshot();
    if (options.outage && s.connects > 0 && !outages.has(device.deviceId)) {
      outages.add(device.deviceId);
      const { seconds, afterSeconds } = options.outage;
      setTimeout(() => device.outage(seconds), afterSeconds * 1000).unref();
    }
    if (options.readings !== undefined && s.readings.acknowledged >= options.readings) {
      done.add(device.deviceId);
      if (done.size === options.deviceIds.length) finished(EXIT.ok);
    }
    view?.poke();
  };

  const onError = (error: Error): void => {
    const reason = fatalReason(error);
    if (reason === undefined || fatal !== undefined) return;
    fatal = reason;
    finished(EXIT.fatal);
  };

  io.onStopSignal(() => finished(EXIT.ok));
  try {
      for (const [i, deviceId] of options.deviceIds.entries()) {
      devices.push(
        await SimulatedDevice.start({
          identity: credentials.identity(deviceId),
          broker: target,
          dataDir,
          sntp: `127.0.0.1:${sntp.port}`,
          light: lightSetting,
          seed: i + 1,
          temperature: options.temperature,
          thermometer: options.thermometer,
          config: options.config,
          onError,
          onChange: changed,
        }),
      );
    }
    if (embedded) {
      const dir = credentials.devPki!.dir;
      io.stdout.write(`embedded broker on ${brokerLabel}; watch with: mosquitto_sub -h localhost -p ${target.port} --cafile ${dir}/ca.pem --cert ${dir}/ingest.pem --key ${dir}/ingest-key.pem -t 'devices/#' -v\n`);
    }
    view = new LiveView({
      out: io.stdout,
      tty: io.stdout.isTTY === true && !options.plain,
      header: { broker: brokerLabel, goal: options.readings },
      snapshots: () => devices.map((d) => d.snapshot()),
    });
    view.start();
    const code = await outcome;
    return code;
  } finally {
    view?.stop();
    await Promise.all(devices.map((d) => d.close()));
    await renewal?.close();
    await broker?.close();
    await sntp.close();
    for (const d of devices) {
      const s = d.snapshot();
      io.stdout.write(`${d.deviceId}: ${s.readings.acknowledged} readings acknowledged (last seq ${s.readings.lastSeq}), ${s.outbox} in the outbox, ${s.recovered} carried over from before the start\n`);
      io.stdout.write(`${d.deviceId}: certificate valid until ${new Date(s.certificate.expires).toISOString()}, renewed ${s.certificate.renewals} times in this run\n`);
    }
    if (fatal !== undefined) io.stderr.write(`error: ${fatal}\n`);
  }
}
