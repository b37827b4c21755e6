// What the SDK's build tools print, sorted: the lines that say a module failed to compile, resolve or
// preload, and xsl's report of preloaded objects left writable. Formats, as the tools print them:
//   mcconfig   "# warning: no modules match: <path>!"       (a manifest entry that names no file)
//              "### Error: '<resource>': directory not found!"
//   tsc        "<file>(<line>,<col>): error TS<n>: ..."     (the one type check, mcconfig.ts)
//   esbuild    "<file>:<line>:<col>: ERROR: ..."             (the transpile-only tsc, tsc/transpile.mjs)
//   makefile   "# typescript compile failure"                (after a failed tsc -p)
//   xsc        "<file>:<line>: error: ...", "# error: ...", "### N error(s)"
//   xsl        "### ReferenceError: module "x" not found!"   (an import that resolves to no module)
//              "TypeError: link: unavailable function" and " at <module> ()"   (a preloaded module called a
//              host function at load), then "### TypeError: ...!"
//              "### error: <module>: <path>: generator"   (what cannot be preloaded), "### N error(s)!"
//              "### warning: <module>: <path>: not frozen" / ": no const"
//   make       "make: *** [...] Error <n>"
// xsl's "### N instances, N keys, ..." summary and xsc's "warning: cannot optimize native!" (the SDK's own
// modules) are neither.

/** A preloaded object (or closure variable) xsl left writable: the module, and the path to it from there. */
export interface Unfrozen {
  module: string;
  path: string;
  kind: "not frozen" | "no const";
}

const ERROR_LINES = [
  /^# warning: no modules match: /,
  /\berror TS\d+: /,
  /:\d+:\d+: ERROR: /,
  /^# typescript compile failure/,
  /^\S.*:\d+: error: /,
  /^# error: /,
  /^### (?!warning: )(?!\d+ instances, ).*!$/,
  /^### error: /,
  /^### \d+ error\(s\)/,
  /^\w*Error: /,
  /^ at \S+ \(\)$/, // XS's stack line: the module whose preload failed
  /^make: \*\*\* /,
];

const UNFROZEN = /^### warning: (.+?): (.+): (not frozen|no const)$/;

export function isErrorLine(line: string): boolean {
  return ERROR_LINES.some((pattern) => pattern.test(line));
}

export function parseUnfrozen(line: string): Unfrozen | undefined {
  const m = UNFROZEN.exec(line);
  return m ? { module: m[1], path: m[2], kind: m[3] as Unfrozen["kind"] } : undefined;
}

export interface BuildOutput {
  /** The lines that say what failed, in order; empty when everything built. */
  errors: string[];
  unfrozen: Unfrozen[];
}

export function readBuildOutput(log: string): BuildOutput {
  const lines = log.split("\n").map((line) => line.trimEnd());
  return {
    errors: lines.filter(isErrorLine),
    unfrozen: lines.map(parseUnfrozen).filter((u) => u !== undefined),
  };
}

/** "main 66, mqtt/codec/decode 38, ...": how many writable preloaded objects each module has, most first. */
export function unfrozenByModule(unfrozen: Unfrozen[]): string {
  const counts = new Map<string, number>();
  for (const u of unfrozen) counts.set(u.module, (counts.get(u.module) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([module, n]) => `${module} ${n}`).join(", ");
}
