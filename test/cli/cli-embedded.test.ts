// `npm start` without --broker: dev certificates generated when missing, the embedded aedes broker over
// TLS, a fleet of devices, an outage, and the recorded-PPG replay, all as one process.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storeIn } from "../../certs/provisioning.js";
import { openIdentity } from "../../firmware/identity/open-identity.js";
import { FileFlash } from "../../host-sim/platform/file-flash.js";
import { serialOf } from "../../support/identities.js";
import { certificateOf, startCli, summaryOf, type CliRun } from "./support/cli-process.js";

const DAY = 86_400_000;

const FAST = JSON.stringify({ hrIntervalMs: 1000, tempIntervalMs: 1000, batchMaxAgeMs: 0 });
const runs: CliRun[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-embedded-"));
  dirs.push(dir);
  return dir;
}

function cli(args: string[]): CliRun {
  const run = startCli(["--listen", "0", "--plain", ...args]);
  runs.push(run);
  return run;
}

/** The last plain status line of a device. */
function lastLine(stdout: string, id: string): string {
  const lines = stdout.split("\n").filter((l) => l.includes(` ${id} state=`));
  return lines[lines.length - 1] ?? "";
}

describe("host-sim CLI with the embedded broker", () => {
  it("generates dev certificates, runs a fleet of two through a link outage, and exits 0 after N readings each", async () => {
    const dir = tempDir();
    const certs = join(dir, "certs");
    const run = cli(["--certs", certs, "--data", join(dir, "data"), "--devices", "2", "--readings", "8", "--outage", "2", "--outage-after", "1", "--config", FAST]);
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    for (const file of ["ca.pem", "broker.pem", "ingest.pem", "device-wearable-001.der", "device-wearable-002-key.der"]) {
      expect(existsSync(join(certs, file)), file).toBe(true);
    }
    expect(run.stderr()).toMatch(/dev certificates issued/);
    expect(out).toMatch(/embedded broker on mqtts:\/\/localhost:\d+ \(embedded aedes\); watch with: mosquitto_sub/);
    for (const id of ["wearable-001", "wearable-002"]) {
      expect(summaryOf(out, id).acknowledged).toBeGreaterThanOrEqual(8);
      // The outage was seen, and the device connected again afterwards.
      expect(out).toMatch(new RegExp(` ${id} state=link-down .*outage-left=\\d+s`));
      const last = lastLine(out, id);
      expect(last).toMatch(/ state=(connected|closed) /);
      const sent = Number(/ sent=(\d+)/.exec(last)![1]);
      const received = Number(/ received=(\d+)/.exec(last)![1]);
      // TLS handshakes alone (certificates both ways) are over a kilobyte each way.
      expect(sent).toBeGreaterThan(1000);
      expect(received).toBeGreaterThan(1000);
    }
    expect(out + run.stderr()).not.toMatch(/PRIVATE KEY/);
  }, 150_000);

  it("a fleet of five from one set of credentials per device: each provisioned, each connected as itself; certificates near expiry renewed over MQTT", async () => {
    const dir = tempDir();
    const data = join(dir, "data");
    const ids = ["wearable-001", "wearable-002", "wearable-003", "wearable-004", "wearable-005"];
    const run = cli(["--certs", join(dir, "certs"), "--data", data, "--devices", "5", "--cert-days", "10", "--readings", "10", "--config", FAST]);
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    const serials = new Set<string>();
    for (const id of ids) {
      expect(out).toContain(`credentials store provisioned: ${storeIn(join(data, id))}`);
      expect(summaryOf(out, id).acknowledged).toBeGreaterThanOrEqual(10);
      // Provisioned for 10 days, within the 30-day margin: renewed by the embedded broker's renewal service.
      const certificate = certificateOf(out, id);
      expect(certificate.renewals).toBe(1);
      expect(certificate.expires - Date.now()).toBeGreaterThan(800 * DAY);
      // The renewed certificate is the one in the device's store now: its CN is the device.
      const identity = openIdentity(new FileFlash(storeIn(join(data, id))));
      if (!identity) throw new Error(`no identity in ${storeIn(join(data, id))}`);
      expect(identity.deviceId).toBe(id);
      expect(identity.notAfter).toBe(certificate.expires);
      serials.add(serialOf(identity.tls.clientCertificates![0] as Uint8Array));
    }
    expect(serials.size).toBe(5);
    // A second start opens the same stores: nothing provisioned, nothing to renew.
    const again = cli(["--certs", join(dir, "certs"), "--data", data, "--devices", "5", "--readings", "2", "--config", FAST]);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).not.toMatch(/credentials store provisioned/);
    for (const id of ids) expect(certificateOf(again.stdout(), id).renewals).toBe(0);
  }, 150_000);

  it("replays a recorded PPG (BIDMC record 01) through the chip model and estimator", async () => {
    const dir = tempDir();
    const run = cli([
      "--certs", join(dir, "certs"), "--data", join(dir, "data"), "--ppg", "test/data/bidmc01/pleth.csv", "--readings", "3",
      "--config", JSON.stringify({ hrIntervalMs: 1000, tempIntervalMs: 3_600_000, batchMaxAgeMs: 0 }),
    ]);
    expect(await run.exited).toBe(0);
    const last = lastLine(run.stdout(), "wearable-001");
    const hr = Number(/ hr=([\d.]+)/.exec(last)?.[1]);
    // The record's ECG reference is about 94 bpm over its first minute (test/data/bidmc01/reference_hr.csv).
    expect(hr).toBeGreaterThan(88);
    expect(hr).toBeLessThan(100);
  }, 120_000);

  it("refuses bad flags with one line and exit code 2", async () => {
    const run = cli(["--readings", "many"]);
    expect(await run.exited).toBe(2);
    expect(run.stderr().trim().split("\n")).toEqual(['error: --readings "many": expected a whole number >= 1 (see --help)']);
  }, 60_000);
});
