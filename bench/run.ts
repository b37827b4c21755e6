// `npm run bench -- <name>`: runs bench/<name>.ts, which prints a table and, as its last line, one JSON
// object: `{"bench": <name>, "ours": <headline figure>, ...}`, with a peer's figure and the ratio where the bench
// has one, measured side by side in one run. Every .ts file directly in bench/ is a bench (but this launcher
// and fuzz.ts, which is `npm run fuzz`); a bench's helpers live in a folder named after it (bench/wire/).
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((f) => f.isFile() && f.name.endsWith(".ts") && f.name !== "run.ts" && f.name !== "fuzz.ts")
  .map((f) => f.name.slice(0, -3))
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(2);
}
await import(`./${name}.ts`);
