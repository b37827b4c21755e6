// Every path a comment or a doc names leads somewhere, and no comment or doc cites an issue number.
//
// What counts as a path (the convention, so the check is exact and flags no URL, npm package or SDK path):
// - in comments (.ts, .js, .mjs, .json, shell scripts) and docs (README.md files, docs/*.md): a repository-relative
//   path, i.e. one whose first segment is a top-level folder of this repository (`test/support/proxy.ts`,
//   `firmware/platform/moddable/`, `docs/device.md#memory`), not preceded by anything that makes it part of a
//   longer path (`$MODDABLE/modules/...`, `../shared/...`, `node_modules/...`, a URL). A `#anchor` after a
//   Markdown file must be one of its headings. `{a,b}` names each; at `*` or `<placeholder>` the folder before
//   it must exist. A path without an extension may name a module (`firmware/main` is `firmware/main.ts`).
//   Paths git ignores (build outputs such as `certs/out/`) are not checked;
// - in Markdown, the target of every link that is not a URL, relative to the document;
// - in a folder's README.md, a source file's name in backticks in the first column of a table headed "file"
//   (`register-io.ts`): a file of that folder.
// Paths relative to something else (module names such as `platform/moddable/sensors`, a file's neighbours in a
// comment) are not paths by this convention: write them repository-relative to have them checked.
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

/** Tracked files and new ones git does not ignore. */
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && existsSync(join(root, f)) && lstatSync(join(root, f)).isFile());
const TOP_FOLDERS = [...new Set(files.filter((f) => f.includes("/")).map((f) => f.split("/")[0]))];

const CODE = /\.(ts|js|mjs|json)$/;
const isShell = (file: string) => !/\.\w+$/.test(file) && readFileSync(join(root, file), "utf8").startsWith("#!");
const isDoc = (file: string) => /(^|\/)README\.md$/.test(file) || /^docs\/[^/]+\.md$/.test(file);

interface Text {
  file: string;
  line: number;
  text: string;
}

/** Tokens after which a slash divides; after any other, it starts a regular expression. */
const DIVIDES_AFTER = new Set([
  ts.SyntaxKind.Identifier, ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateTail, ts.SyntaxKind.ThisKeyword,
]);

/** The comments of a TypeScript, JavaScript or JSON file, line by line (the scanner, told where templates resume
 *  and where a slash starts a regular expression, so that neither hides or fakes a comment). */
function codeComments(file: string, source: string): Text[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, source);
  const out: Text[] = [];
  const templates: number[] = []; // brace depth at each open template substitution
  let braces = 0;
  let previous = ts.SyntaxKind.Unknown;
  let line = 1;
  let counted = 0;
  const lineAt = (pos: number) => {
    for (; counted < pos; counted++) if (source.charCodeAt(counted) === 10) line++;
    return line;
  };
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) {
      const first = lineAt(scanner.getTokenStart());
      scanner.getTokenText().split("\n").forEach((text, i) => out.push({ file, line: first + i, text }));
      continue;
    }
    if (kind === ts.SyntaxKind.WhitespaceTrivia || kind === ts.SyntaxKind.NewLineTrivia) continue;
    if (kind === ts.SyntaxKind.TemplateHead) templates.push(braces);
    else if (kind === ts.SyntaxKind.OpenBraceToken) braces++;
    else if (kind === ts.SyntaxKind.CloseBraceToken) {
      if (templates.at(-1) === braces) {
        if (scanner.reScanTemplateToken(false) === ts.SyntaxKind.TemplateTail) templates.pop();
      } else braces--;
    } else if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !DIVIDES_AFTER.has(previous)) {
      kind = scanner.reScanSlashToken();
    }
    previous = kind;
  }
  return out;
}

/** Lines of `#` comments in a shell script. */
const shellComments = (file: string, source: string): Text[] =>
  source.split("\n").flatMap((text, i) => (/^\s*#/.test(text) ? [{ file, line: i + 1, text }] : []));

const docLines = (file: string, source: string): Text[] => source.split("\n").map((text, i) => ({ file, line: i + 1, text }));

let read: Text[] | undefined;
/** What the check reads: comments of code, whole docs. */
function texts(): Text[] {
  return (read ??= files.flatMap((file) => {
    if (file === "package-lock.json") return [];
    const source = readFileSync(join(root, file), "utf8");
    if (CODE.test(file)) return codeComments(file, source);
    if (isDoc(file)) return docLines(file, source);
    if (isShell(file)) return shellComments(file, source);
    return [];
  }));
}

/** GitHub's anchors for a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

const ignoredByGit = (paths: string[]): Set<string> => {
  if (paths.length === 0) return new Set();
  try {
    const out = execFileSync("git", ["check-ignore", "--no-index", "--stdin"], { cwd: root, input: paths.join("\n"), encoding: "utf8" });
    return new Set(out.split("\n").filter(Boolean));
  } catch {
    return new Set(); // exit 1: none ignored
  }
};

/** {a,b} -> a, b (one level, as comments use it). */
const expandBraces = (path: string): string[] => {
  const m = /\{([^{}]*)\}/.exec(path);
  return m ? m[1].split(",").flatMap((part) => expandBraces(path.slice(0, m.index) + part + path.slice(m.index + m[0].length))) : [path];
};

/** Why a path (repository-relative, or absolute on disk) does not resolve, or undefined when it does. */
function unresolved(path: string, anchor: string | undefined): string | undefined {
  for (const one of expandBraces(path)) {
    const wild = one.search(/[*<]/);
    if (wild >= 0) {
      const folder = one.slice(0, one.lastIndexOf("/", wild) + 1);
      if (!existsSync(join(root, folder))) return `no folder ${folder}`;
      continue;
    }
    const at = [one, `${one}.ts`].map((p) => join(root, p)).find((p) => existsSync(p));
    if (!at) return `no ${one}`;
    if (anchor && at.endsWith(".md") && !anchors(at).has(anchor)) return `no heading #${anchor} in ${one}`;
    if (anchor && statSync(at).isDirectory()) return `#${anchor} on a folder`;
  }
  return undefined;
}

const PATH = () =>
  new RegExp(
    // not part of a longer path, a URL, a variable or a package name
    String.raw`(?<![\w.$/@~%-])` +
      `((?:${TOP_FOLDERS.map((f) => f.replace(".", "\\.")).join("|")})/(?:\\{[^}\\s]*\\}|[^\\s\`'"()\\[\\]|;:,{}#])*)` +
      String.raw`(?:#([\w-]+))?`,
    "g",
  );

interface Offence {
  at: string;
  what: string;
}

/** file:line of the rows of Markdown tables whose first column is headed "file". */
function fileTableRows(all: Text[]): Set<string> {
  const rows = new Set<string>();
  let inTable = false;
  for (const { file, line, text } of all) {
    if (!file.endsWith(".md")) continue;
    if (/^\|\s*file\s*\|/.test(text)) inTable = true;
    else if (!text.startsWith("|")) inTable = false;
    else if (inTable && !/^\|\s*-/.test(text)) rows.add(`${file}:${line}`);
  }
  return rows;
}

function brokenReferences(): Offence[] {
  const candidates: { at: string; path: string; anchor?: string }[] = [];
  const all = texts();
  const inFileTable = fileTableRows(all);
  for (const { file, line, text } of all) {
    const at = `${file}:${line}`;
    for (const m of text.matchAll(PATH())) {
      const path = m[1].replace(/[.]+$/, "");
      if (path.split("/").includes("..")) continue; // climbs out of the repository: not repository-relative
      candidates.push({ at, path, anchor: m[2] });
    }
    if (file.endsWith(".md")) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // a URL
        const [p, anchor] = target.split("#");
        const path = p ? posix.normalize(posix.join(posix.dirname(file), p)) : file;
        candidates.push({ at, path: path.startsWith("../") ? `(outside the repository) ${path}` : path, anchor });
      }
      if (file.endsWith("/README.md") && inFileTable.has(at)) {
        const first = text.split("|")[1] ?? "";
        for (const m of first.matchAll(/`([\w.-]+\.(?:ts|js|mjs|json))`/g)) candidates.push({ at, path: posix.join(posix.dirname(file), m[1]) });
      }
    }
  }
  // A folder pattern ("certs/out/") matches only with the trailing slash when the path is not on disk.
  const ignored = ignoredByGit([...new Set(candidates.flatMap((c) => [c.path, c.path.replace(/\/?$/, "/")]))]);
  return candidates
    .filter((c) => !ignored.has(c.path) && !ignored.has(c.path.replace(/\/?$/, "/")))
    .flatMap((c) => {
      const why = c.path.startsWith("(outside") ? c.path : unresolved(c.path, c.anchor);
      return why ? [{ at: c.at, what: why }] : [];
    });
}

/** An issue tracker's numbers mean nothing to a reader of the code: "issue", "PR", "pull request", "ticket" or
 *  "bug" followed by a number, a hash and a number alone in parentheses, or GH- and a number. (A hash and a number
 *  in a sentence, such as a packet's rank in a test, is not one.) */
const ISSUE_NUMBER = /\b(?:issues?|pull requests?|PRs?|tickets?|bugs?)\s*#?\d+|\(#\d+\)|\bGH-\d+/i;

function issueNumbers(): Offence[] {
  return texts().flatMap(({ file, line, text }) => {
    const m = ISSUE_NUMBER.exec(text);
    return m ? [{ at: `${file}:${line}`, what: m[0] }] : [];
  });
}

const report = (offences: Offence[]) => offences.map((o) => `${o.at}: ${o.what}`).join("\n");

/**
 * Offences in files being rewritten on another branch when this check came in, fixed there: each must still be
 * found (delete its entry when it is fixed, and this list with the last one).
 */
const AWAITING_FIX: Offence[] = [{ at: "firmware/mqtt/platform/ecma419/tcp-tls-socket.ts", what: "no examples/io/tcp/tlssocket" }];
const awaited = (o: Offence) => AWAITING_FIX.some((a) => o.at.startsWith(`${a.at}:`) && o.what === a.what);

describe("references in comments and docs", () => {
  it("every path named in a comment or a doc resolves", () => {
    const all = brokenReferences();
    const broken = all.filter((o) => !awaited(o));
    expect(broken.length, `paths that do not resolve:\n${report(broken)}`).toBe(0);
    const fixed = AWAITING_FIX.filter((a) => !all.some((o) => o.at.startsWith(`${a.at}:`) && o.what === a.what));
    expect(fixed, "fixed: delete these from AWAITING_FIX").toEqual([]);
  });

  it("no comment or doc cites an issue number", () => {
    const cited = issueNumbers();
    expect(cited.length, `issue numbers:\n${report(cited)}`).toBe(0);
  });
});

describe("the reference check itself", () => {
  it("knows the repository's top-level folders and reads comments, not code", () => {
    expect(TOP_FOLDERS).toEqual(expect.arrayContaining(["bench", "docs", "firmware", "support", "test", ".ci"]));
    const code = [
      'const url = "http://x/test/a.ts"; // see test/b.ts',
      "/* firmware/c.ts */ const r = /\\/\\/ d/; const half = 1 / 2 / 3;",
      "function f() { return `//${url}${`/*${{ a: 1 }.a}*/`}//`; } // e",
      "// f",
    ].join("\n");
    expect(codeComments("x.ts", code).map((c) => [c.line, c.text])).toEqual([
      [1, "// see test/b.ts"],
      [2, "/* firmware/c.ts */"],
      [3, "// e"],
      [4, "// f"],
    ]);
    expect(codeComments("x.json", '{\n  // g\n  "a": "//h", /* i */ "b": 1\n}\n').map((c) => c.text)).toEqual(["// g", "/* i */"]);
  });

  it("takes repository-relative paths only, with their anchors", () => {
    const found = (text: string) => [...text.matchAll(PATH())].map((m) => (m[2] ? `${m[1]}#${m[2]}` : m[1]));
    expect(found("see test/support/x.ts, docs/device.md#memory and `firmware/platform/moddable/`.")).toEqual(["test/support/x.ts", "docs/device.md#memory", "firmware/platform/moddable/"]);
    expect(found("$MODDABLE/modules/crypt/tls.json ../shared/docs/x.md https://github.com/a/test/b node_modules/docs/x @scope/test/x")).toEqual([]);
    expect(found("firmware/platform/moddable/{socket,clock}.ts")).toEqual(["firmware/platform/moddable/{socket,clock}.ts"]);
  });

  it("sees a missing file, a missing heading, a missing folder before a wildcard, and lets existing ones pass", () => {
    expect(unresolved("test/support/nothing-here.ts", undefined)).toBe("no test/support/nothing-here.ts");
    expect(unresolved("docs/device.md", "no-such-heading")).toMatch(/no heading/);
    expect(unresolved("docs/device.md", "memory")).toBeUndefined();
    expect(unresolved("firmware/nowhere/*.ts", undefined)).toBe("no folder firmware/nowhere/");
    expect(unresolved("firmware/platform/moddable/{sensors,nothing}.ts", undefined)).toBe("no firmware/platform/moddable/nothing.ts");
    expect(unresolved("firmware/main", undefined)).toBeUndefined();
    expect(ignoredByGit(["certs/out/ca.pem", "certs/README.md"])).toEqual(new Set(["certs/out/ca.pem"]));
  });

  it("sees issue numbers in their usual forms, and not other numbers", () => {
    for (const text of ["// fixed in issue #13", "// see issues 4 and 5", "// (#12)", "// PR 7", "<!-- ticket #3 -->", "// GH-5"]) expect(ISSUE_NUMBER.test(text), text).toBe(true);
    for (const text of ["// section 3.1.1", "// 4,928 slots", "// alert 48 = unknown_ca", "## Heading", "// &#39;", "[x](docs/a.md#b2)", "// Acknowledge #4, then #1"]) expect(ISSUE_NUMBER.test(text), text).toBe(false);
  });
});
