// A real mosquitto broker for tests, rendered from the deployable hardened config (certs/mosquitto.conf,
// certs/acl) with a free loopback port and temp paths substituted.
//
//   const pki = await ensureDevPki();
//   const broker = await startMosquitto({ tls: pki.brokerTls });        // TLS, client certs, ACL
//   ... connect to broker.host:broker.port ...
//   await broker.stop();     // SIGTERM; state (persistence) kept, broker.restart() brings it back
//   await broker.restart();  // same port, same config, same persistence directory
//   await broker.kill();     // SIGKILL (no persistence save on exit)
//   await broker.close();    // stop and delete the temp directory: call it in afterAll/afterEach
//   broker.logs()            // everything mosquitto printed (log_type all), for assertions and diagnostics
//
// Options default to the hardened deployment: TLS 1.2+ only, require_certificate, use_identity_as_username,
// the project ACL. Tests loosen or tighten one thing at a time (tlsVersion "tlsv1.3", a password file,
// an extra plain listener, persistence).

import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, chmod } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../host-sim/free-port.js";

export { freePort };

const MOSQUITTO = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";
const CERTS_DIR = fileURLToPath(new URL("../certs/", import.meta.url));
export const HARDENED_CONFIG = join(CERTS_DIR, "mosquitto.conf");
export const HARDENED_ACL = join(CERTS_DIR, "acl");

export interface BrokerTlsFiles {
  /** CA the broker trusts for client certificates (PEM). */
  cafile: string;
  /** Broker certificate and key (PEM). */
  certfile: string;
  keyfile: string;
  /** The CA's revocation list (PEM); none: the hardened config's crlfile is left out. */
  crlfile?: string;
}

export interface MosquittoOptions {
  tls: BrokerTlsFiles;
  /** Minimum TLS version of the listener (mosquitto 2.0 semantics); "tlsv1.3" makes a 1.3-only broker. */
  tlsVersion?: "tlsv1.2" | "tlsv1.3";
  /** OpenSSL TLS 1.2 cipher list; null drops the hardened restriction (OpenSSL defaults). */
  ciphers?: string | null;
  requireCertificate?: boolean;
  useIdentityAsUsername?: boolean;
  /** user -> password; written as a mosquitto password file (hashed with mosquitto_passwd -U). */
  passwords?: Record<string, string>;
  /** ACL file contents; default the project ACL (certs/acl); null for no ACL at all. */
  acl?: string | null;
  /** Also open a plain-text MQTT listener on another loopback port (for never-downgrade tests). */
  plainListener?: boolean;
  /** Keep sessions on disk in the temp directory across stop()/restart(). */
  persistence?: boolean;
  /** Extra global config lines, appended before the listeners. */
  extraConfig?: string[];
}

export interface Mosquitto {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Present when plainListener was asked for. */
  readonly plainPort?: number;
  readonly dir: string;
  readonly configPath: string;
  logs(): string;
  /** Resolves when a log line matches (or rejects after timeoutMs with the logs attached). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}


type Directives = Map<string, string | null>;

/**
 * Render the hardened template: each directive named in `replace` gets the new value (null removes it),
 * other lines stay as written. Listener-scoped directives follow the single `listener` line.
 */
export function renderConfig(template: string, replace: Directives, extraGlobal: string[], extraTail: string[]): string {
  const out: string[] = [];
  const done = new Set<string>();
  let listenerSeen = false;
  for (const line of template.split("\n")) {
    const key = line.trim().split(/\s+/)[0];
    if (key === "listener" && !listenerSeen) {
      // Global extras go before the listener's comment block (after the last blank line).
      const at = out.lastIndexOf("");
      out.splice(at < 0 ? out.length : at, 0, ...extraGlobal);
      listenerSeen = true;
    }
    if (key && replace.has(key)) {
      // The first occurrence takes the new value; repeats (e.g. several log_type lines) are dropped.
      const value = replace.get(key);
      if (!done.has(key) && value !== null && value !== undefined) out.push(`${key} ${value}`);
      done.add(key);
      continue;
    }
    out.push(line);
  }
  // Directives that were not in the template are listener-scoped additions.
  for (const [key, value] of replace) {
    if (!done.has(key) && value !== null && value !== undefined) out.push(`${key} ${value}`);
  }
  out.push(...extraTail, "");
  return out.join("\n");
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(command, args, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${stderr.trim() || error.message}`)) : resolve(),
    ),
  );
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), "mosquitto-test-"));
  const template = await readFile(HARDENED_CONFIG, "utf8");
  const aclText = options.acl === undefined ? await readFile(HARDENED_ACL, "utf8") : options.acl;
  const aclPath = join(dir, "acl");
  if (aclText !== null) await writeFile(aclPath, aclText);
  let passwordPath: string | undefined;
  if (options.passwords) {
    passwordPath = join(dir, "passwd");
    const plain = Object.entries(options.passwords).map(([user, password]) => `${user}:${password}\n`).join("");
    await writeFile(passwordPath, plain, { mode: 0o600 });
    await run("mosquitto_passwd", ["-U", passwordPath]); // hash in place: no password on a command line
    await chmod(passwordPath, 0o600);
  }

  let port = 0;
  let plainPort: number | undefined;
  const configPath = join(dir, "mosquitto.conf");
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const listeners = new Set<(line: string) => void>();

  const writeConfig = async (): Promise<void> => {
    const replace: Directives = new Map<string, string | null>([
      ["user", process.getuid?.() === 0 ? "root" : null],
      ["acl_file", aclText === null ? null : aclPath],
      ["persistence", options.persistence ? "true" : "false"],
      ["persistence_location", options.persistence ? `${dir}/` : null],
      ["autosave_interval", options.persistence ? "1" : null],
      ["log_type", "all"],
      ["listener", `${port} 127.0.0.1`],
      ["cafile", options.tls.cafile],
      ["certfile", options.tls.certfile],
      ["keyfile", options.tls.keyfile],
      ["crlfile", options.tls.crlfile ?? null],
      ["tls_version", options.tlsVersion ?? "tlsv1.2"],
      ["require_certificate", String(options.requireCertificate ?? true)],
      ["use_identity_as_username", String(options.useIdentityAsUsername ?? true)],
    ]);
    if (options.ciphers !== undefined) replace.set("ciphers", options.ciphers);
    const extraGlobal = [...(passwordPath ? [`password_file ${passwordPath}`] : []), ...(options.extraConfig ?? [])];
    const tail = plainPort !== undefined ? [`listener ${plainPort} 127.0.0.1`] : [];
    await writeFile(configPath, renderConfig(template, replace, extraGlobal, tail));
  };

  const spawnBroker = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO, ["-c", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    running.add(proc);
    let ready!: () => void;
    let failed!: (error: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    let partial = "";
    const onData = (chunk: Buffer): void => {
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        log.push(line);
        for (const listener of listeners) listener(line);
        if (/ running$/.test(line)) ready();
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    exited = new Promise((resolve) =>
      proc.once("exit", (code, signal) => {
        running.delete(proc);
        if (child === proc) child = undefined;
        failed(new Error(`mosquitto exited (${code ?? signal}) before it was ready:\n${log.slice(-20).join("\n")}`));
        resolve();
      }),
    );
    await started;
    await waitForPort(port);
  };

  const launch = async (): Promise<void> => {
    // Another process may take the port between freePort() and mosquitto's bind: retry with a new one.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      if (options.plainListener) plainPort = await freePort();
      await writeConfig();
      try {
        await spawnBroker();
        return;
      } catch (error) {
        if (attempt >= 3 || !/Address already in use/i.test(String(error))) throw error;
      }
    }
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();

  const broker: Mosquitto = {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    get plainPort() {
      return plainPort;
    },
    dir,
    configPath,
    logs: () => log.join("\n"),
    waitForLog(pattern, timeoutMs = 15_000) {
      const found = log.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no mosquitto log line matched ${pattern} in ${timeoutMs} ms:\n${log.slice(-30).join("\n")}`));
        }, timeoutMs);
        const listener = (line: string): void => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
    async restart() {
      await stopWith("SIGTERM");
      await spawnBroker(); // same port and config: clients reconnect to the same address
    },
    async close() {
      await stopWith("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

/** Resolve once a TCP connect to the port succeeds (mosquitto logs "running" just before it accepts). */
async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto port ${port} did not accept connections`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
