// What mcconfig's per-module `tsc -p <module>-tsconfig.json` produces, without its type check: the module's
// JavaScript (and source map) at <outDir>/<source path below rootDir>.js, here by esbuild (types stripped,
// modules kept; the sources are isolatedModules-clean). mcconfig runs tsc once per TypeScript module, and
// each run type-checks everything the module imports: about two seconds a module, minutes for a build.
// host-sim/mcsim/mcconfig.ts puts this first on PATH for the test and bench builds, and type-checks all modules
// in one tsc program instead, against the configuration mcconfig generated (the SDK's typings).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { dirname, join, relative, resolve } from "node:path";
import { transformSync } from "esbuild";

const at = process.argv.indexOf("-p");
if (at < 0 || !process.argv[at + 1]) {
  process.stderr.write("usage: tsc -p <tsconfig.json> (the transpile-only stand-in for mcconfig's simulator builds)\n");
  process.exit(2);
}
const configPath = resolve(process.argv[at + 1]);
// mcconfig's per-module configuration: { extends, compilerOptions: { rootDir, outDir }, files: [source] }
const config = JSON.parse(readFileSync(configPath, "utf8"));
const { rootDir, outDir } = config.compilerOptions;
for (const file of config.files) {
  const target = join(outDir, relative(rootDir, file)).replace(/\.ts$/, ".js");
  const out = transformSync(readFileSync(file, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcemap: "external",
    sourcefile: relative(dirname(target), file), // as tsc writes it: relative to the map
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  // As tsc writes the map: the source named even when nothing maps to it (a module of types only comes out
  // empty, and xsc fails on a map without sources), without the source's text.
  const map = JSON.parse(out.map);
  map.sources = [relative(dirname(target), file)];
  delete map.sourcesContent;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${out.code}//# sourceMappingURL=${target.split("/").pop()}.map\n`);
  writeFileSync(`${target}.map`, JSON.stringify(map));
}
