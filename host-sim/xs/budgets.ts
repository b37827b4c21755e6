// Budgets for the XS meters (bench/xs-budgets.json): a meter may exceed its budget by at most the file's
// tolerance (10 %); limits are hard targets from the issue (heap after connect, heap growth). The meters are
// deterministic, so a failure means the code got more expensive, never that the machine was busy.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { XsMeasurements } from "./measure.js";

export const BUDGETS_FILE = fileURLToPath(new URL("../../bench/xs-budgets.json", import.meta.url));

export interface BudgetFile {
  about: string;
  /** Allowed overrun of a budget, as a fraction (0.1 = 10 %). */
  tolerance: number;
  /** Figure key -> budget (the value measured when the budget was last set). */
  budgets: Record<string, number>;
  /** Hard targets, not scaled by the tolerance. */
  limits: { heapAfterConnectBytes: number; heapGrowth10kPublishesBytes: number };
}

export interface BudgetCheck {
  key: string;
  value: number;
  /** The most this figure may be: budget x (1 + tolerance), or a limit. */
  allowed: number;
  ok: boolean;
}

export function loadBudgets(path = BUDGETS_FILE): BudgetFile {
  return JSON.parse(readFileSync(path, "utf8")) as BudgetFile;
}

export function checkBudgets(measured: XsMeasurements, file: BudgetFile = loadBudgets()): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const values = new Map(measured.figures.map((f) => [f.key, f.value]));
  for (const [key, budget] of Object.entries(file.budgets)) {
    const value = values.get(key);
    if (value === undefined) throw new Error(`bench/xs-budgets.json budgets ${key}, which the bench no longer measures`);
    const allowed = Math.floor(budget * (1 + file.tolerance));
    checks.push({ key, value, allowed, ok: value <= allowed });
  }
  for (const [key, limit] of Object.entries(file.limits) as [keyof BudgetFile["limits"], number][]) {
    checks.push({ key: `limit:${key}`, value: measured[key], allowed: limit, ok: measured[key] <= limit });
  }
  return checks;
}

/** Set every budget to what was just measured (after an intended change), keeping tolerance and limits. */
export function writeBudgets(measured: XsMeasurements, file: BudgetFile = loadBudgets(), path = BUDGETS_FILE): void {
  const budgets: Record<string, number> = {};
  for (const figure of measured.figures) if (figure.key in file.budgets) budgets[figure.key] = figure.value;
  writeFileSync(path, `${JSON.stringify({ ...file, budgets }, null, 2)}\n`);
}
