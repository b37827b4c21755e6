// One error style across the firmware: every error class is a CodedError (a `code` to switch on), and callers
// tell errors apart with instanceof or the code, never by a name string or a cast to `{ code }`.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const firmware = readdirSync(join(root, "firmware"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => join(root, "firmware", f));

/** file:line of each match of `pattern` in the firmware's sources (comments included: they show the idiom too). */
function offences(pattern: RegExp): string[] {
  return firmware.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => (pattern.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe("the firmware's error style", () => {
  it("every error class extends CodedError (the base itself extends Error)", () => {
    const classes = offences(/class \w+(<[^>]*>)? extends \w*Error\b/);
    expect(classes.length).toBeGreaterThan(10);
    const plain = classes.filter((line) => /extends Error\b/.test(line) && !line.includes("mqtt/common/coded-error.ts"));
    expect(plain).toEqual([]);
  });

  it("no error is told apart by its name or through a cast to { code }", () => {
    expect(offences(/\.name\s*===|===\s*"\w*Error"|as \{ ?code\??:/)).toEqual([]);
  });

  it("no plain Error is thrown or reported: each has a code", () => {
    // as-error.ts wraps a thrown non-Error value, and main.ts does the same for its start-up trace.
    const found = offences(/new Error\(/).filter((line) => !line.startsWith("firmware/mqtt/common/as-error.ts") && !line.startsWith("firmware/main.ts"));
    expect(found).toEqual([]);
  });
});
