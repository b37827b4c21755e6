// The XS cost budgets: the firmware's main paths, metered by the engine, must stay within 10 % of the
// checked-in budgets (bench/xs-budgets.json), the connected client within 24 KB of heap, and 10,000
// publishes must not grow the heap. Deterministic meters: no timing, no flakiness.
import { beforeAll, describe, expect, it } from "vitest";
import { checkBudgets, loadBudgets, type BudgetFile } from "../../host-sim/xs/budgets.js";
import { measureXs, type XsMeasurements } from "../../host-sim/xs/measure.js";

let measured: XsMeasurements;
let file: BudgetFile;
beforeAll(async () => {
  measured = await measureXs();
  file = loadBudgets();
}, 120_000);

describe("XS budgets", () => {
  it("keeps every metered figure within 10 % of its budget", () => {
    expect(file.tolerance).toBe(0.1);
    const over = checkBudgets(measured, file).filter((c) => !c.key.startsWith("limit:") && !c.ok);
    expect(over).toEqual([]);
  });

  it("fits the connected client in 24 KB of heap (TLS excluded)", () => {
    expect(file.limits.heapAfterConnectBytes).toBe(24 * 1024);
    expect(measured.heapAfterConnectBytes).toBeGreaterThan(0);
    expect(measured.heapAfterConnectBytes).toBeLessThanOrEqual(file.limits.heapAfterConnectBytes);
  });

  it("does not grow the heap across 10,000 QoS 1 publishes", () => {
    expect(measured.heapGrowth10kPublishesBytes).toBeLessThanOrEqual(file.limits.heapGrowth10kPublishesBytes);
  });

  it("flags a figure more than 10 % over its budget", () => {
    const tight: BudgetFile = { ...file, budgets: { ...file.budgets, "connect.compute": Math.floor(measured.figures.find((f) => f.key === "connect.compute")!.value / 1.11) } };
    const check = checkBudgets(measured, tight).find((c) => c.key === "connect.compute")!;
    expect(check.ok).toBe(false);
  });
});
