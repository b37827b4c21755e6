// One firmware image for a whole fleet, in the real Moddable runtime: the firmware built once with mcconfig
// for the simulator with the esp32 build's memory, and run in several simulator HOMEs, each provisioned with
// its own credentials store, against the hardened mosquitto with the CA's CRL and the reference renewal
// service (support/fleet-scenarios.ts): two devices as two identities, each confined to its own topics; a
// certificate renewed in flight without a lost reading, then used alone; a power cut during the renewal's
// write; a revoked device refused. The same on the host with the Node bindings: test/identity/fleet-host.test.ts.
// Needs the Moddable SDK: skipped without it, except on CI (test/support/sdk.ts).
import { beforeAll, expect, it } from "vitest";
import { ESP32_CREATION, slotCount, steadyBytes } from "../../host-sim/mcsim/heap-samples.js";
import { moddableSdk } from "../../host-sim/mcsim/sdk.js";
import { ensureDevPki } from "../../support/certs.js";
import { fleetInSimulator, type FleetResult } from "../../support/fleet-scenarios.js";
import { describeWithSdk } from "../support/sdk.js";

const SCENARIOS_MS = 15 * 60_000;

describeWithSdk("one image for a fleet, in mcsim with the esp32 memory", () => {
  let fleet: FleetResult;

  beforeAll(async () => {
    fleet = await fleetInSimulator({ sdk: moddableSdk(), pki: await ensureDevPki() });
  }, SCENARIOS_MS);

  it("two provisioned HOMEs connect as two distinct devices, each confined to its own topics", () => {
    expect(fleet.distinct.failures).toEqual([]);
    expect(fleet.distinct.brokerUsers).toEqual(expect.arrayContaining(["sim-a", "sim-b"]));
    expect(fleet.distinct.readings["sim-a"]).toBeGreaterThanOrEqual(2);
    expect(fleet.distinct.readings["sim-b"]).toBeGreaterThanOrEqual(2);
    expect(fleet.distinct.configApplied).toEqual({ addressee: 1, other: 0 });
    const highest = Math.max(...fleet.distinct.heap.map(slotCount));
    console.log(`fleet: a provisioned device's heap after a collection: steady ${steadyBytes(fleet.distinct.heap, 10)} B, highest ${highest} slots`);
    expect(highest, `highest ${highest} slots (steady ${steadyBytes(fleet.distinct.heap, 10)} B)`).toBeLessThanOrEqual(0.75 * ESP32_CREATION.slots);
  });

  it("renews a certificate within the margin in flight, without a lost reading, and then connects with the new one alone", () => {
    expect(fleet.renewed.failures).toEqual([]);
    expect(fleet.renewed.steps.map((l) => l.replace(/certificate valid until \S+: /, "").replace(/ \(valid until .*$/, ""))).toEqual([
      "identity: renewal requested",
      "identity: storing the renewed certificate",
      "identity: renewed certificate stored",
      "identity: renewed certificate in use",
    ]);
    expect(fleet.renewed.issuedSerial).not.toBe("");
    expect(fleet.renewed.storedSerial).toBe(fleet.renewed.issuedSerial);
    expect(fleet.renewed.statusRenewals).toBe(1);
    expect(fleet.renewed.reconnectedWithNew).toBe(true);
    expect(fleet.renewed.delivered).toBeGreaterThan(10);
    expect(fleet.renewed.lost).toEqual([]);
    expect(fleet.renewed.conflicting).toEqual([]);
  });

  it("a power cut during the renewal's write leaves the old identity whole: the device connects at its next start, and renews", () => {
    expect(fleet.powerCut.tornRecord).toBe(true);
    expect(fleet.powerCut.serialAfterCut).toBe(fleet.powerCut.oldSerial);
    expect(fleet.powerCut.onTrialAfterCut).toBe(false);
    expect(fleet.powerCut.connectedAfter).toBe(true);
    expect(fleet.powerCut.renewedAfter).toBe(true);
    expect(fleet.powerCut.failures).toEqual([]);
  });

  it("a revoked device is refused at every attempt and never connects, while the others go on", () => {
    // In the simulator the device sees a handshake that never ends, not alert 44 (support/fleet-scenarios.ts
    // says why); the host test asserts the alert and the persistent failure.
    expect(fleet.revoked.connected).toBe(false);
    expect(fleet.revoked.attemptsFailed.length).toBeGreaterThanOrEqual(2);
    expect(fleet.revoked.brokerRefusals).toBeGreaterThanOrEqual(fleet.revoked.attemptsFailed.length);
    expect(fleet.distinct.readings["sim-a"]).toBeGreaterThanOrEqual(2);
  });
});
