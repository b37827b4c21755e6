// The CLI's flags (node:util parseArgs) turned into checked settings, with one clear error per bad value.
// Nothing here opens a file or a socket: run.ts composes, this only reads argv.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { applyConfigUpdate, DEFAULT_CONFIG, type AppConfig } from "../../firmware/telemetry/config.js";
import { deviceTopics } from "../../firmware/telemetry/device-topics.js";

export const USAGE = `Usage: npm start -- [options]

Runs simulated wearables (MAX30102 + TMP117/MAX30205 models, the firmware's drivers, heart-rate estimator and
telemetry app) publishing over MQTT/TLS with client certificates. Without --broker an embedded TLS broker
(aedes) runs on localhost with the dev certificates (generated into certs/out when missing).

  --broker mqtts://HOST[:PORT]  external broker (TLS only; port default 8883)
  --ca FILE --cert FILE --key FILE
                                broker CA, device certificate, device RSA key (PEM or DER);
                                default: the dev PKI in --certs
  --certs DIR                   dev PKI directory (default certs/out)
  --cert-days N                 validity of the dev certificates provisioned now (default 825; within 30 days
                                of expiry a device renews its certificate over MQTT)
  --listen PORT                 embedded broker port (default 8883; 0 = any free port)
  --device-id ID                device id, the certificate CN (default wearable-001)
  --devices N                   a fleet of N devices in this process (ids counted up from --device-id)
  --hr BPM|ramp                 synthetic pulse: constant BPM (default 72) or a 60->160 bpm exercise ramp
  --ppg CSV                     replay a recorded PPG instead (time_s,pleth; e.g. test/data/bidmc01)
  --temp C                      skin temperature the thermometer model sees (default 36.6)
  --thermometer tmp117|max30205 the body-temperature chip on the board (default tmp117)
  --config JSON|FILE            start-up app configuration (partial, e.g. '{"hrIntervalMs":1000}')
  --data DIR                    outbox, stored config and credentials store, per device in DIR/<id>
                                (default .sim-data; a device without a store there is provisioned)
  --readings N                  exit 0 once every device has N readings acknowledged
  --outage SECONDS              take the Wi-Fi away and cut the link for SECONDS, --outage-after seconds after connecting
  --outage-after SECONDS        (default 10)
  --plain                       plain lines even on a terminal
  -h, --help

Exit: 0 done (or Ctrl-C), 1 TLS or authentication failure (one line on stderr), 2 bad usage.`;

export type HrSetting = { kind: "constant"; bpm: number } | { kind: "ramp" };

export interface CliOptions {
  broker?: { host: string; port: number };
  ca?: string;
  cert?: string;
  key?: string;
  certsDir: string;
  /** Validity of dev certificates provisioned now, days. */
  certDays?: number;
  /** Embedded broker port; undefined: 8883, or any free port when that is taken. */
  listenPort?: number;
  deviceIds: string[];
  hr: HrSetting;
  ppg?: string;
  temperature: number;
  thermometer: "tmp117" | "max30205";
  /** Start-up configuration: the CLI's defaults with --config applied over them. */
  config: AppConfig;
  dataDir: string;
  readings?: number;
  outage?: { seconds: number; afterSeconds: number };
  plain: boolean;
  help: boolean;
}

/** A bad flag or value; the message is meant for the user as is. */
export class UsageError extends Error {
  readonly code = "usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Defaults for a live demo: a heart-rate estimate every 2 s (the estimator's step), batches of ~5 s. */
export const CLI_CONFIG: Partial<AppConfig> = { hrIntervalMs: 2_000, tempIntervalMs: 5_000, batchMaxAgeMs: 5_000 };

/** The dev PKI of this checkout (certs/out, git-ignored), wherever the CLI is started from. */
export const DEFAULT_CERTS_DIR = fileURLToPath(new URL("../../certs/out", import.meta.url));

const FLAGS = {
  broker: { type: "string" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  certs: { type: "string" },
  "cert-days": { type: "string" },
  listen: { type: "string" },
  "device-id": { type: "string" },
  devices: { type: "string" },
  hr: { type: "string" },
  ppg: { type: "string" },
  temp: { type: "string" },
  thermometer: { type: "string" },
  config: { type: "string" },
  data: { type: "string" },
  readings: { type: "string" },
  outage: { type: "string" },
  "outage-after": { type: "string" },
  plain: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function number(flag: string, text: string, check: (n: number) => boolean, expected: string): number {
  const n = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} ${JSON.stringify(text)}: expected ${expected}`);
  return n;
}

const integerIn = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;

export function parseBrokerUrl(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--broker ${JSON.stringify(text)}: expected mqtts://host:port`);
  }
  if (url.protocol !== "mqtts:") {
    throw new UsageError(`--broker ${JSON.stringify(text)}: only mqtts:// is supported (the device speaks MQTT over TLS only)`);
  }
  if (url.username || url.password) throw new UsageError("--broker: credentials in the URL are not supported (the client certificate is the identity)");
  if (url.pathname && url.pathname !== "/") throw new UsageError(`--broker ${JSON.stringify(text)}: no path expected`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new UsageError(`--broker ${JSON.stringify(text)}: no host`);
  return { host, port: url.port ? Number(url.port) : 8883 };
}

/** wearable-001 -> wearable-001, wearable-002, ... (the trailing number counts up, keeping its width). */
export function fleetIds(first: string, count: number): string[] {
  if (count === 1) return [first];
  const match = /^(.*?)(\d+)$/.exec(first);
  const stem = match ? match[1] : `${first}-`;
  const start = match ? Number(match[2]) : 1;
  const width = match ? match[2].length : 3;
  return Array.from({ length: count }, (_, i) => `${stem}${String(start + i).padStart(width, "0")}`);
}

function parseConfig(text: string | undefined): AppConfig {
  const base = applyConfigUpdate(DEFAULT_CONFIG, CLI_CONFIG);
  if (!base.ok) throw base.error;
  if (text === undefined) return base.config;
  let source = text;
  if (!text.trim().startsWith("{")) {
    try {
      source = readFileSync(text, "utf8");
    } catch (error) {
      throw new UsageError(`--config ${text}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new UsageError(`--config: not valid JSON (${(error as Error).message})`);
  }
  const result = applyConfigUpdate(base.config, value);
  if (!result.ok) throw new UsageError(`--config: ${result.error.message}`);
  return result.config;
}

function parseThermometer(text: string | undefined): CliOptions["thermometer"] {
  if (text === undefined) return "tmp117";
  if (text === "tmp117" || text === "max30205") return text;
  throw new UsageError(`--thermometer ${JSON.stringify(text)}: expected tmp117 or max30205`);
}

export function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const count = values.devices === undefined ? 1 : number("devices", values.devices, integerIn(1, 1000), "an integer 1..1000");
  const firstId = values["device-id"] ?? "wearable-001";
  const deviceIds = fleetIds(firstId, count);
  for (const id of deviceIds) {
    try {
      deviceTopics(id);
    } catch (error) {
      throw new UsageError(`--device-id: ${(error as Error).message}`);
    }
  }
  if (count > 1 && (values.cert !== undefined || values.key !== undefined)) {
    throw new UsageError("--devices N > 1 needs one certificate per device: leave out --cert/--key to use the dev PKI");
  }
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError("--cert and --key go together");
  if (values.listen !== undefined && values.broker !== undefined) throw new UsageError("--listen is for the embedded broker: leave it out with --broker");
  let hr: HrSetting = { kind: "constant", bpm: 72 };
  if (values.hr !== undefined) {
    hr = values.hr === "ramp" ? { kind: "ramp" } : { kind: "constant", bpm: number("hr", values.hr, (n) => n >= 30 && n <= 220, "beats per minute 30..220, or ramp") };
  }
  if (values.hr !== undefined && values.ppg !== undefined) throw new UsageError("--hr and --ppg are alternatives: give one");
  let outage: CliOptions["outage"];
  if (values.outage !== undefined) {
    outage = {
      seconds: number("outage", values.outage, (n) => n > 0 && n <= 86_400, "seconds > 0"),
      afterSeconds: values["outage-after"] === undefined ? 10 : number("outage-after", values["outage-after"], (n) => n >= 0 && n <= 86_400, "seconds >= 0"),
    };
  } else if (values["outage-after"] !== undefined) {
    throw new UsageError("--outage-after needs --outage SECONDS");
  }
  return {
    broker: values.broker === undefined ? undefined : parseBrokerUrl(values.broker),
    ca: values.ca,
    cert: values.cert,
    key: values.key,
    certsDir: values.certs ?? DEFAULT_CERTS_DIR,
    certDays: values["cert-days"] === undefined ? undefined : number("cert-days", values["cert-days"], integerIn(1, 3650), "whole days 1..3650"),
    listenPort: values.listen === undefined ? undefined : number("listen", values.listen, integerIn(0, 65535), "a port 0..65535"),
    deviceIds,
    hr,
    ppg: values.ppg,
    temperature: values.temp === undefined ? 36.6 : number("temp", values.temp, (n) => n >= 20 && n <= 45, "degrees Celsius 20..45"),
    thermometer: parseThermometer(values.thermometer),
    config: parseConfig(values.config),
    dataDir: values.data ?? ".sim-data",
    readings: values.readings === undefined ? undefined : number("readings", values.readings, integerIn(1, 1e9), "a whole number >= 1"),
    outage,
    plain: values.plain ?? false,
    help: values.help ?? false,
  };
}
