// Bundles a firmware entry (TypeScript, ES modules) into one script for the XS engine: the same firmware
// sources, unchanged, plus the XS half of the bridge. Anything that reaches for Node or npm fails the
// build, because the device has neither.
import { builtinModules } from "node:module";
import { resolve, sep } from "node:path";
import { build, type Plugin } from "esbuild";
import { wrapBundle } from "./device-globals.js";

const nodeBuiltins = new Set(builtinModules);

/** Refuse Node built-ins and anything from node_modules. */
const deviceOnly: Plugin = {
  name: "device-only",
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, "").split("/")[0];
      if (args.path.startsWith("node:") || nodeBuiltins.has(bare)) {
        return { errors: [{ text: `${args.importer} imports the Node module "${args.path}": XS has no Node API` }] };
      }
      if (!args.path.startsWith(".") && !args.path.startsWith("/")) {
        return { errors: [{ text: `${args.importer} imports the package "${args.path}": firmware imports no npm code` }] };
      }
      return undefined;
    });
    builder.onLoad({ filter: /.*/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) {
        return { errors: [{ text: `${args.path} is in node_modules: firmware imports no npm code` }] };
      }
      return undefined;
    });
  },
};

const cache = new Map<string, Promise<string>>();

/** The script for `entry` (a path, relative to the working directory or absolute), built once per process. */
export function bundleForXs(entry: string): Promise<string> {
  const path = resolve(entry);
  let script = cache.get(path);
  if (!script) {
    script = build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: "iife",
      platform: "neutral",
      target: "es2022",
      plugins: [deviceOnly],
      logLevel: "silent",
    }).then((result) => wrapBundle(result.outputFiles[0].text));
    cache.set(path, script);
    script.catch(() => cache.delete(path));
  }
  return script;
}
