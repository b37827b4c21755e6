// `npm run fuzz -- --iterations N [--seed S]`: throws random and mutated bytes at the MQTT decoder
// (see support/mqtt-fuzzer.ts). Reports inputs/s and every failure that is not a typed ProtocolError or a
// packet that round-trips; exits non-zero if there was one.
import { Fuzzer } from "../support/mqtt-fuzzer.js";

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  const raw = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} needs a non-negative number, got ${raw}`);
    process.exit(2);
  }
  return Math.floor(value);
}

const iterations = option("iterations", 1_000_000);
const seed = option("seed", Date.now() % 2 ** 31);

const fuzzer = new Fuzzer(seed);
const start = process.hrtime.bigint();
let lastReport = start;
for (let i = 0; i < iterations; i++) {
  fuzzer.step();
  if ((i & 0x3fff) === 0 && process.hrtime.bigint() - lastReport > 5_000_000_000n) {
    lastReport = process.hrtime.bigint();
    const seconds = Number(lastReport - start) / 1e9;
    console.log(`  ${i.toLocaleString("en-US")} inputs, ${Math.round(i / seconds).toLocaleString("en-US")} inputs/s, ${fuzzer.report.failures.length} failures`);
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const r = fuzzer.report;

console.log(`fuzz: ${r.inputs.toLocaleString("en-US")} inputs (${(r.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s, seed ${seed}`);
console.log(`  inputs/s          ${Math.round(r.inputs / seconds).toLocaleString("en-US")}`);
console.log(`  packets decoded   ${r.packets.toLocaleString("en-US")} (each re-encoded and decoded back)`);
console.log(`  typed errors      ${r.typedErrors.toLocaleString("en-US")} ${JSON.stringify(r.errorCodes)}`);
console.log(`  failures          ${r.failures.length}${r.failures.length === 50 ? " (first 50 kept)" : ""}`);
for (const f of r.failures.slice(0, 10)) {
  console.log(`    ${f.problem}\n      version ${f.protocolVersion}, chunk cuts ${JSON.stringify(f.cuts)}, input ${f.input}`);
}
console.log(
  JSON.stringify({ bench: "fuzz", ours: Math.round(r.inputs / seconds), unit: "inputs/s", inputs: r.inputs, seed, failures: r.failures.length }),
);
if (r.failures.length > 0) process.exit(1);
