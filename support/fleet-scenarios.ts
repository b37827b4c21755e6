// A fleet of wearables with their identities apart from the image, in the Moddable simulator with the esp32
// memory: one firmware build (one mc.so) run in several simulator HOMEs, each provisioned with its own
// credentials store (certs/provisioning.ts), against the hardened mosquitto (with the CA's CRL) and the
// reference renewal service. test/device/fleet.test.ts asserts what this returns.
//
//   distinct     two devices connect as two identities (the broker's log names each CN); a configuration sent
//                to one is applied by that one only (the ACL gives each device its own topics)
//   renewed      a device whose certificate expires within the margin renews it in flight, loses no reading,
//                and connects with the new one alone once the old one is revoked and the broker restarted
//   powerCut     the simulator killed while the renewal's record is being written (a slow simulated flash,
//                MCSIM_FLASH_PAGE_MS): the old identity is whole, the new record torn, and the device connects
//                at its next start and renews then
//   revoked      a device on the CRL is refused: the broker fails its certificate at every attempt and it never
//                connects, while the others go on. In the simulator the device sees each refusal as a
//                handshake that never ends (connect-timeout), not as alert 44: the broker closes on the
//                device's certificate while the device still writes its flight, and the SDK's lin TCP socket
//                reports nothing after a failed write (its task stops at the error flag without delivering
//                it). The host test (test/identity/fleet-host.test.ts) shows the alert and the persistent failure.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { storeIn } from "../certs/provisioning.js";
import { crlListing } from "../certs/revocation.js";
import { CredentialStore } from "../firmware/identity/credential-store.js";
import { parseHeapLine, type HeapSample } from "../host-sim/mcsim/heap-samples.js";
import type { ModdableSdk } from "../host-sim/mcsim/sdk.js";
import { failureLines, startMcsim, type McsimRun } from "../host-sim/mcsim/simulator.js";
import { FileFlash } from "../host-sim/platform/file-flash.js";
import { startRenewalService, type RenewalService } from "../host-sim/renewal-service.js";
import { startSntpServer, type SntpServer } from "../host-sim/sntp-server.js";
import type { TestPki } from "./certs.js";
import { buildFirmwareTo } from "./firmware-build.js";
import { provisionedHome, serialOf } from "./identities.js";
import { checkSequence, startIngest, type Ingest } from "./ingest.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";

const CONNECTED = /^mqtt: connected to/;

export interface FleetContext {
  sdk: ModdableSdk;
  pki: TestPki;
  log?(line: string): void;
}

export interface FleetResult {
  distinct: {
    /** Each device's CN as the broker's log names its user. */
    brokerUsers: string[];
    /** Readings the back end has from each, under its own topics. */
    readings: Record<string, number>;
    /** Configurations applied (traced "config: ...") by the device it was sent to, and by the other. */
    configApplied: { addressee: number; other: number };
    failures: string[];
    /** Heap after collections, the first device's run (lin bytes). */
    heap: HeapSample[];
  };
  renewed: {
    /** The trace lines of the renewal, in order. */
    steps: string[];
    /** The certificate in the store now, and the one the renewal service issued. */
    storedSerial: string;
    issuedSerial: string;
    /** The most renewals a status of the device reported. */
    statusRenewals: number;
    /** After the old certificate was revoked and the broker restarted: connected again. */
    reconnectedWithNew: boolean;
    lost: number[];
    conflicting: number[];
    delivered: number;
    failures: string[];
  };
  powerCut: {
    /** The renewal's record had been started (the other slot no longer erased) but was not whole. */
    tornRecord: boolean;
    /** The identity the store gives after the cut: the old certificate, not on trial. */
    serialAfterCut: string;
    oldSerial: string;
    onTrialAfterCut: boolean;
    /** At the next start: connected, then renewed. */
    connectedAfter: boolean;
    renewedAfter: boolean;
    failures: string[];
  };
  revoked: {
    /** The device's failed attempts (trace lines). */
    attemptsFailed: string[];
    /** Handshakes the broker failed on a client certificate (its log), before the renewed device's old
     *  certificate was revoked too: the revoked device's alone. */
    brokerRefusals: number;
    connected: boolean;
  };
}

export async function fleetInSimulator(context: FleetContext): Promise<FleetResult> {
  const { sdk, pki } = context;
  const work = await mkdtemp(join(tmpdir(), "wearable-fleet-"));
  const crl = join(work, "crl.pem");
  let broker: Mosquitto | undefined;
  let ingest: Ingest | undefined;
  let service: RenewalService | undefined;
  let sntp: SntpServer | undefined;
  const runs: McsimRun[] = [];
  const homes = new Map<string, { home: string; serial: string }>();
  const provisioned = async (id: string, days?: number) => {
    homes.set(id, await provisionedHome(pki, id, join(work, id), days));
    return homes.get(id)!;
  };
  const run = async (id: string, so: string, env?: Record<string, string>) => {
    const r = await startMcsim(sdk, so, { home: homes.get(id)!.home, env, onLine: (line) => context.log?.(`${id}: ${line}`) });
    runs.push(r);
    return r;
  };
  const storeOf = (id: string) => new CredentialStore(new FileFlash(storeIn(homes.get(id)!.home)));
  const telemetry = (id: string) => ingest!.records.filter((r) => r.topic === `devices/${id}/telemetry`);
  try {
    const [a, b, soon, cut, revoked] = ["sim-a", "sim-b", "sim-soon", "sim-cut", "sim-revoked"];
    await provisioned(a);
    await provisioned(b);
    await provisioned(soon, 10);
    await provisioned(cut, 10);
    const bad = await provisioned(revoked);
    await crlListing(pki.ca.files, [bad.serial], crl);
    sntp = await startSntpServer();
    broker = await startMosquitto({ tls: { ...pki.brokerTls, crlfile: crl }, persistence: true });
    ingest = await startIngest(pki, broker.port, "devices/#");
    service = await startRenewalService({ port: broker.port, tls: pki.renewalTls, ca: pki.ca.files });
    const so = await buildFirmwareTo(
      sdk,
      { mqttPort: broker.port, sntp: `127.0.0.1:${sntp.port}`, heapMeterMs: 2000, hrIntervalMs: 2000, batchMaxAgeMs: 6000, uploadPeriodMs: 0 },
      join(work, "mc.so"),
    );

    // The power cut: the simulator killed while the renewal's record is written, page by page (a slow flash),
    // then started again. Beside the others; the broker is restarted only once it is over.
    const oldCut = homes.get(cut)!.serial;
    const powerCut = (async () => {
      const slow = await run(cut, so, { MCSIM_FLASH_PAGE_MS: "300" });
      await slow.waitFor(/^identity: storing the renewed certificate/, 150_000);
      // Cut as soon as the record's body is going in: its header, written last, is seconds of pages away.
      const otherSlot = () => {
        const image = new FileFlash(storeIn(homes.get(cut)!.home)).bytes;
        return image.subarray(image.length / 2, image.length / 2 + 4096);
      };
      const deadline = Date.now() + 30_000;
      while (!otherSlot().some((byte) => byte !== 0xff) && Date.now() < deadline) await sleep(20);
      await slow.kill();
      const other = otherSlot();
      const tornRecord = other.some((byte) => byte !== 0xff) && !(other[0] === 0x57 && other[1] === 0x49 && other[2] === 0x44 && other[3] === 0x31);
      const afterCut = storeOf(cut);
      const again = await run(cut, so);
      const connectedAfter = await again.waitFor(CONNECTED, 120_000).then(() => true, () => false);
      const renewedAfter = await again.waitFor(/^identity: renewed certificate in use/, 150_000).then(() => true, () => false);
      return {
        tornRecord,
        serialAfterCut: serialOf(afterCut.credentials.certificate),
        oldSerial: oldCut,
        onTrialAfterCut: afterCut.onTrial,
        connectedAfter,
        renewedAfter,
        failures: failureLines(again),
      };
    })();
    // Settled at once, so a failure here does not go unhandled while the others run; thrown below.
    const powerCutSettled = powerCut.then((value) => ({ value }), (error: unknown) => ({ error }));

    // distinct, renewed and revoked, side by side.
    const [runA, runB, runSoon, runBad] = await Promise.all([run(a, so), run(b, so), run(soon, so), run(revoked, so)]);
    await Promise.all([runA, runB, runSoon].map((r) => r.waitFor(CONNECTED, 120_000)));
    await ingest.until(() => telemetry(a).length >= 2 && telemetry(b).length >= 2, "readings of both devices", 90_000);
    await ingest.client.publishAsync(`devices/${a}/config`, JSON.stringify({ hrIntervalMs: 3000 }), { qos: 1 });
    await runA.waitFor(/^config: .*"hrIntervalMs":3000/, 30_000);
    await runSoon.waitFor(/^identity: renewed certificate in use/, 150_000);
    await ingest.until(() => ingest!.others.some((m) => m.topic === `devices/${soon}/status` && JSON.parse(m.payload).certificate?.renewals === 1), "a status with the renewal", 30_000);
    const attemptsFailed = () => runBad.lines.filter((l) => /^mqtt: attempt failed/.test(l));
    const refusalsDeadline = Date.now() + 150_000;
    while (attemptsFailed().length < 2 && Date.now() < refusalsDeadline) await sleep(200);
    const brokerRefusals = (broker.logs().match(/certificate verify failed/g) ?? []).length;
    const refusedAttempts = attemptsFailed();
    const issuedSerial = service.issued.find((i) => i.deviceId === soon)?.serial ?? "";
    const storedSerial = serialOf(storeOf(soon).credentials.certificate);
    const cutResult = await powerCutSettled;
    if ("error" in cutResult) throw cutResult.error;

    // The old certificate revoked, the broker restarted: the renewed device connects with the new one.
    const beforeRestart = runSoon.lines.length;
    await crlListing(pki.ca.files, [bad.serial, homes.get(soon)!.serial], crl);
    await broker.restart();
    const reconnectedWithNew = await runSoon.waitFor(CONNECTED, 120_000, beforeRestart).then(() => true, () => false);
    const seen = telemetry(soon).length;
    await ingest.until(() => telemetry(soon).length > seen + 3, "the renewed device's readings after the restart", 90_000);
    const highest = Math.max(...telemetry(soon).map((r) => r.seq));
    const sequence = checkSequence(telemetry(soon), highest);

    const heapA = runA.lines.map(parseHeapLine).filter((s) => s !== undefined);
    const users = [...(broker.logs().matchAll(/New client connected from \S+ as (\S+) .*u'([^']+)'/g))].map((m) => m[2]);
    return {
      distinct: {
        brokerUsers: [...new Set(users)].sort(),
        readings: { [a]: telemetry(a).length, [b]: telemetry(b).length },
        configApplied: { addressee: runA.lines.filter((l) => /^config: .*"hrIntervalMs":3000/.test(l)).length, other: runB.lines.filter((l) => /^config: .*"hrIntervalMs":3000/.test(l)).length },
        failures: [...failureLines(runA), ...failureLines(runB)],
        heap: heapA,
      },
      renewed: {
        steps: runSoon.lines.filter((l) => l.startsWith("identity: ")),
        storedSerial,
        issuedSerial,
        statusRenewals: Math.max(0, ...ingest.others.filter((m) => m.topic === `devices/${soon}/status`).map((m) => (JSON.parse(m.payload) as { certificate?: { renewals: number } }).certificate?.renewals ?? 0)),
        reconnectedWithNew,
        lost: sequence.missing,
        conflicting: sequence.conflicting,
        delivered: highest - sequence.missing.length,
        failures: failureLines(runSoon),
      },
      powerCut: cutResult.value,
      revoked: {
        attemptsFailed: refusedAttempts,
        brokerRefusals,
        connected: runBad.lines.some((l) => CONNECTED.test(l)) || new RegExp(`u'${revoked}'`).test(broker.logs()),
      },
    };
  } finally {
    for (const r of runs) await r.stop();
    await service?.close();
    await ingest?.close();
    await broker?.close();
    await sntp?.close();
    await rm(work, { recursive: true, force: true });
  }
}
