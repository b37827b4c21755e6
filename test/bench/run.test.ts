// `npm run bench` offers exactly the benches the README names: helpers of a bench (bench/wire/) are not
// offered as benches of their own.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("npm run bench", () => {
  it("without a name, lists exactly the README's benches and exits 2", () => {
    const run = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "bench/run.ts")], { cwd: root, encoding: "utf8" });
    expect(run.status).toBe(2);
    const offered = /usage: npm run bench -- <([^>]+)>/.exec(run.stderr)?.[1].split("|");
    const documented = /npm run bench -- <([^>]+)>/.exec(readFileSync(join(root, "README.md"), "utf8"))?.[1].split("|");
    expect(documented).toEqual(["codec", "device", "e2e", "energy", "hr", "offline", "wire", "xs"]);
    expect(offered).toEqual(documented);
  });
});
