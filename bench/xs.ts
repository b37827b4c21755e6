// `npm run bench -- xs`: the XS engine's deterministic meters for the firmware's main paths (compute
// ticks, live heap from a snapshot, slots), checked against bench/xs-budgets.json. No peer: `ours` is the
// heap the connected client adds, in bytes (see bench/run.ts). `-- xs --write-budgets` resets budgets.
import { checkBudgets, loadBudgets, writeBudgets } from "../host-sim/xs/budgets.js";
import { measureXs } from "../host-sim/xs/measure.js";

const measured = await measureXs();
const rewrite = process.argv.includes("--write-budgets");
if (rewrite) writeBudgets(measured);
const file = loadBudgets();
const checks = checkBudgets(measured, file);
const byKey = new Map(checks.map((c) => [c.key, c]));

const rows = measured.figures.map((f) => {
  const check = byKey.get(f.key);
  return [f.key, f.what, f.value.toLocaleString("en-US"), f.unit, check ? `<= ${check.allowed.toLocaleString("en-US")}` : "", check ? (check.ok ? "ok" : "OVER") : ""];
});
for (const check of checks.filter((c) => c.key.startsWith("limit:"))) {
  rows.push([check.key, "hard target", check.value.toLocaleString("en-US"), "bytes", `<= ${check.allowed.toLocaleString("en-US")}`, check.ok ? "ok" : "OVER"]);
}
const header = ["figure", "what", "value", "unit", "budget", ""];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
console.log("XS engine meters (xsnap-worker; compute = metering ticks, deterministic)");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of rows) console.log(line(row));
console.log("");
if (rewrite) console.log("budgets rewritten from this run: review the diff of bench/xs-budgets.json");
console.log(
  JSON.stringify({
    bench: "xs",
    ours: measured.heapAfterConnectBytes,
    unit: "bytes",
    heapAfterConnectBytes: measured.heapAfterConnectBytes,
    heapGrowth10kPublishesBytes: measured.heapGrowth10kPublishesBytes,
    meters: Object.fromEntries(measured.figures.map((f) => [f.key, f.value])),
    withinBudgets: checks.every((c) => c.ok),
  }),
);
