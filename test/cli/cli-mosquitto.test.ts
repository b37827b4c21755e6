// The host-sim CLI as a process against a real mosquitto (the hardened config: TLS, client certificates,
// certificate CN as identity, the project ACL), checked by an independent MQTT.js back end with the
// "ingest" identity: readings arrive as valid SenML with the right values; a broker restart and a
// kill -9 of the device process lose no reading (the outbox is on disk), and duplicates keep their
// sequence number; an invalid remote configuration is refused; TLS and identity failures end the process
// with one line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { startCli, summaryOf, type CliRun } from "./support/cli-process.js";
import { checkSequence, startIngest, type Ingest } from "../../support/ingest.js";

const TELEMETRY = `devices/${DEVICE_ID}/telemetry`;
/** Readings every second, batches of up to 3 released within a second: quick runs, real batching. */
const FAST = JSON.stringify({ hrIntervalMs: 1000, tempIntervalMs: 1000, batchMaxReadings: 3, batchMaxAgeMs: 1000 });

let pki: TestPki;
let broker: Mosquitto;
let dataDir: string;
const runs: CliRun[] = [];
const ingests: Ingest[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls, persistence: true });
});
afterAll(async () => {
  await broker?.close();
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.exited;
  }
  for (const ingest of ingests.splice(0)) await ingest.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function cli(extra: string[], tls: { ca?: string; cert?: string; key?: string } = {}, port = broker.port): CliRun {
  const run = startCli([
    "--broker", `mqtts://localhost:${port}`,
    "--ca", tls.ca ?? pki.ca.files.certPem,
    "--cert", tls.cert ?? pki.device.files.certPem,
    "--key", tls.key ?? pki.device.files.keyPem,
    "--device-id", DEVICE_ID,
    "--data", dataDir,
    "--config", FAST,
    "--plain",
    ...extra,
  ]);
  runs.push(run);
  return run;
}

async function ingest(filter = TELEMETRY): Promise<Ingest> {
  const i = await startIngest(pki, broker.port, filter);
  ingests.push(i);
  return i;
}

function freshData(): void {
  dataDir = mkdtempSync(join(tmpdir(), "cli-test-data-"));
}

describe("host-sim CLI against mosquitto with client certificates", () => {
  it("publishes the simulated readings as valid SenML with the right values and exits 0 after --readings N", async () => {
    freshData();
    const backend = await ingest();
    const started = Date.now() / 1000;
    const run = cli(["--readings", "24", "--hr", "75", "--temp", "36.9"]);
    expect(await run.exited).toBe(0);
    const summary = summaryOf(run.stdout(), DEVICE_ID);
    expect(summary.acknowledged).toBeGreaterThanOrEqual(24);
    await backend.until(() => checkSequence(backend.records, summary.lastSeq).missing.length === 0, "every acknowledged reading");
    expect(backend.invalid).toEqual([]);
    const hr = backend.records.filter((r) => r.name === `${DEVICE_ID}/hr`);
    const temp = backend.records.filter((r) => r.name === `${DEVICE_ID}/temp`);
    expect(hr.length + temp.length).toBe(backend.records.length);
    expect(hr.length).toBeGreaterThan(0); // the estimator needs ~8 s of pulse before its first estimate
    expect(temp.length).toBeGreaterThan(0);
    for (const r of hr) {
      expect(r.unit).toBe("beat/min");
      expect(Math.abs(r.value - 75)).toBeLessThan(4);
    }
    for (const r of temp) {
      expect(r.unit).toBe("Cel");
      expect(Math.abs(r.value - 36.9)).toBeLessThan(0.15); // model drift 0.1 C + the 1/256 C register
    }
    for (const r of backend.records) {
      expect(r.time).toBeGreaterThan(started - 5);
      expect(r.time).toBeLessThan(Date.now() / 1000 + 5);
    }
    expect(run.stderr()).not.toMatch(/PRIVATE KEY/);
    expect(run.stdout()).not.toMatch(/PRIVATE KEY/);
  }, 120_000);

  it("loses no reading when the broker is killed (-9) and restarted mid-stream", async () => {
    freshData();
    const backend = await ingest();
    const run = cli(["--readings", "24"]);
    await backend.until(() => backend.records.length >= 5, "the first readings");
    await broker.kill();
    // The device notices and keeps sampling into its outbox while the broker is away.
    await run.waitForLine(/ state=reconnecting /);
    await broker.restart();
    expect(await run.exited).toBe(0);
    const { lastSeq } = summaryOf(run.stdout(), DEVICE_ID);
    await backend.until(() => checkSequence(backend.records, lastSeq).missing.length === 0, `every reading up to seq ${lastSeq}`);
    const check = checkSequence(backend.records, lastSeq);
    expect(check.conflicting).toEqual([]);
    expect(backend.invalid).toEqual([]);
  }, 180_000);

  it("loses no reading when the device process is killed (-9) and restarted on the same outbox; duplicates keep their seq", async () => {
    freshData();
    const backend = await ingest();
    const first = cli([]);
    await backend.until(() => backend.records.length >= 8, "readings from the first run");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const before = Math.max(...backend.records.map((r) => r.seq));

    const second = cli(["--readings", "12"]);
    expect(await second.exited).toBe(0);
    const { lastSeq } = summaryOf(second.stdout(), DEVICE_ID);
    // Readings of the second run come after everything the first one stored.
    expect(lastSeq).toBeGreaterThan(before);
    await backend.until(() => checkSequence(backend.records, lastSeq).missing.length === 0, `every reading up to seq ${lastSeq}`);
    const check = checkSequence(backend.records, lastSeq);
    expect(check.missing).toEqual([]);
    expect(check.conflicting).toEqual([]);
  }, 180_000);

  it("readings stored while the broker is away survive a kill -9 of the device and are sent by the next start", async () => {
    freshData();
    const backend = await ingest();
    const first = cli([]);
    await backend.until(() => backend.records.length >= 2, "the first readings");
    await broker.stop();
    // A periodic status line shows readings waiting in the outbox, with no broker to send them to.
    const line = await first.waitForLine(/ state=reconnecting .* outbox=[1-9]/);
    const stored = Number(/ outbox=(\d+)/.exec(line)![1]);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    await broker.restart();

    const second = cli(["--readings", String(stored + 2)]);
    expect(await second.exited).toBe(0);
    const summary = summaryOf(second.stdout(), DEVICE_ID);
    expect(summary.recovered).toBeGreaterThanOrEqual(stored);
    await backend.until(() => checkSequence(backend.records, summary.lastSeq).missing.length === 0, `every reading up to seq ${summary.lastSeq}`);
    expect(checkSequence(backend.records, summary.lastSeq).conflicting).toEqual([]);
  }, 180_000);

  it("refuses an invalid remote configuration on devices/<id>/config/rejected and carries on; SIGINT exits 0", async () => {
    freshData();
    const backend = await ingest(`devices/${DEVICE_ID}/#`);
    const run = cli([]);
    await backend.until(() => backend.records.length >= 1, "a first reading");
    await backend.client.publishAsync(`devices/${DEVICE_ID}/config`, JSON.stringify({ hrIntervalMs: 5 }), { qos: 1 });
    await backend.until(() => backend.others.some((m) => m.topic.endsWith("/config/rejected")), "the rejection");
    const rejection = JSON.parse(backend.others.find((m) => m.topic.endsWith("/config/rejected"))!.payload);
    expect(rejection).toMatchObject({ code: "out-of-range", field: "hrIntervalMs" });
    const count = backend.records.length;
    await backend.until(() => backend.records.length > count + 2, "readings after the refusal");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(summaryOf(run.stdout(), DEVICE_ID).acknowledged).toBeGreaterThan(0);
  }, 120_000);

  it("exits non-zero with one line when the broker's certificate is not from the configured CA", async () => {
    freshData();
    const run = cli(["--readings", "3"], { ca: pki.odd.otherCa.files.certPem });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: 3 attempts in a row to localhost:\d+ failed the same way: TLS certificate-unknown: /);
  }, 60_000);

  it("exits non-zero with one line when the broker refuses the device certificate", async () => {
    freshData();
    const run = cli(["--readings", "3"], { cert: pki.odd.otherCaDevice.files.certPem, key: pki.odd.otherCaDevice.files.keyPem });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: 3 attempts in a row to localhost:\d+ failed the same way: TLS bad-certificate: .*alert 48/);
  }, 60_000);

  it("rides out a port that cuts every handshake (a plain MQTT listener): it keeps trying, never ends the run, and stops cleanly when asked", async () => {
    freshData();
    const plain = await startMosquitto({ tls: pki.brokerTls, plainListener: true });
    try {
      const run = cli(["--readings", "3"], {}, plain.plainPort);
      // Eight connections cut in the handshake: more than the old six-cut limit ever allowed.
      const deadline = Date.now() + 60_000;
      while ((plain.logs().match(/New connection from/g) ?? []).length < 8) {
        if (Date.now() > deadline) throw new Error(`only ${(plain.logs().match(/New connection from/g) ?? []).length} attempts:\n${plain.logs()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(run.child.exitCode).toBeNull(); // still running: cuts are the network's, never a reason to stop
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(0);
      expect(run.stderr()).not.toMatch(/^error:/m);
      expect(plain.logs()).not.toMatch(/New client connected/);
    } finally {
      await plain.close();
    }
  }, 90_000);
});
