// Logs and errors never contain a password or key material. Runs the device client through failing and
// succeeding connections (wrong password, refused certificates, unsupported key, TLS version mismatch,
// a good session), captures every console/stdout/stderr write, every error the client reported (rendered
// every way a log line could render it), process warnings and the broker's log, and scans it all.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { PASSWORD, brokerBehindSniffer, publishAndWait, runDevice, type Cleanups, type Run } from "./device-run.js";
import { findSecrets, keyNeedles, passwordNeedles, renderError, type Needle } from "./secret-scan.js";

let pki: TestPki;
let needles: Needle[];
const cleanups: Cleanups = [];
const captured: string[] = [];
const runs: Run[] = [];
const brokerLogs: (() => string)[] = [];

const keep = (...args: unknown[]): void => {
  captured.push(args.map((a) => (typeof a === "string" ? a : renderError(a))).join(" "));
};

function capture(): void {
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    vi.spyOn(console, method).mockImplementation(keep);
  }
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof stream.write);
  }
  process.on("warning", keep);
}

beforeAll(async () => {
  pki = await ensureDevPki();
  needles = [
    ...passwordNeedles("device", PASSWORD),
    ...keyNeedles("device", pki.device.keyDer, pki.device.keyPem),
    ...keyNeedles("ECDSA device", pki.odd.ecdsaDevice.keyDer, pki.odd.ecdsaDevice.keyPem),
    ...keyNeedles("other-CA device", pki.odd.otherCaDevice.keyDer, pki.odd.otherCaDevice.keyPem),
  ];
  capture();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  process.off("warning", keep);
  vi.restoreAllMocks();
});

async function scenario(options: Parameters<typeof runDevice>[3], broker: Parameters<typeof brokerBehindSniffer>[2] = {}): Promise<Run> {
  const { sniffer, broker: mosquitto } = await brokerBehindSniffer(pki, cleanups, broker);
  brokerLogs.push(() => mosquitto.logs());
  const run = runDevice(pki, cleanups, sniffer.port, options);
  runs.push(run);
  await run.settled;
  if (run.connects > 0) await publishAndWait(run.client, `devices/${DEVICE_ID}/t`);
  run.client.close();
  return run;
}

describe("secrets never reach logs or errors", () => {
  it("the scanner finds each kind of needle (so a clean scan means something)", () => {
    const leaky = [
      `password=${PASSWORD}`,
      renderError(Object.assign(new Error("x"), { key: Buffer.from(new Uint8Array(pki.device.keyDer)) })),
      renderError({ clientKey: new Uint8Array(pki.device.keyDer) }),
      pki.odd.ecdsaDevice.keyPem,
    ].join("\n");
    const found = findSecrets(leaky, needles);
    expect(found).toContain("device password");
    expect(found).toContain("device key (hex, spaced as util.inspect prints a Buffer)");
    expect(found).toContain("device key (bytes as a number list)");
    expect(found).toContain("ECDSA device key (PEM line 2)");
  });

  it("scenarios: wrong password (3.1.1 and 5.0), right password, refused client certificate, ECDSA key, TLS 1.3 broker, clock unset", async () => {
    const passwords = { useIdentityAsUsername: false, passwords: { [DEVICE_ID]: PASSWORD } };
    const wrong = await scenario({ username: DEVICE_ID, password: `${PASSWORD}-wrong` }, passwords);
    const wrong5 = await scenario({ username: DEVICE_ID, password: `${PASSWORD}-wrong`, protocolVersion: 5 }, passwords);
    const right = await scenario({ username: DEVICE_ID, password: PASSWORD }, passwords);
    const otherCa = await scenario({
      secure: { ...pki.deviceTls(), clientCertificates: [pki.odd.otherCaDevice.certDer], clientKey: pki.odd.otherCaDevice.keyDer },
    });
    const ecdsa = await scenario({
      secure: { ...pki.deviceTls(), clientCertificates: [pki.odd.ecdsaDevice.certDer], clientKey: pki.odd.ecdsaDevice.keyDer },
    });
    const tls13 = await scenario({ password: PASSWORD, username: DEVICE_ID }, { tlsVersion: "tlsv1.3" });
    const unset = new NodeClock();
    unset.setWallTime(null);
    const clockUnset = await scenario({ clock: unset, username: DEVICE_ID, password: PASSWORD });
    // Each scenario did what it is for (so the scan below covers real failures and a real success).
    for (const failed of [wrong, wrong5, otherCa, ecdsa, tls13, clockUnset]) expect(failed.errors.length).toBeGreaterThan(0);
    expect(right.connects).toBe(1);
    const text = [
      ...captured,
      ...runs.flatMap((r) => [...r.errors.map(renderError), r.publish instanceof Error ? renderError(r.publish) : ""]),
      ...brokerLogs.map((logs) => logs()),
    ].join("\n");
    expect(text.length).toBeGreaterThan(0);
    expect(findSecrets(text, needles)).toEqual([]);
  });
});
