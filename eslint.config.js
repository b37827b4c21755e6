import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Host globals the device does not have (no Node, no host timers, no TextEncoder: docs/architecture.md).
const HOST_GLOBALS = [
  ...["Buffer", "process", "require", "setTimeout", "setInterval", "setImmediate", "queueMicrotask"],
  ...["console", "performance", "structuredClone", "TextEncoder", "TextDecoder"],
];
// Node's modules; the device bindings may import the Moddable SDK's own "net" and "tls"-named modules.
const NODE_MODULES = ["node:*", "fs", "crypto", "buffer", "events", "stream", "os", "path", "child_process"];
const NODE_NETWORK = ["net", "tls"];
// globalThis reaches any host global by a name the rule above cannot see (globalThis.process,
// globalThis["Buffer"], Reflect.get(globalThis, "setTimeout")); the firmware has no use for it.
const GLOBAL_OBJECT = { name: "globalThis", message: "reach the platform through the ports (firmware/platform/ports.ts), not the global object" };
// The Moddable runtime's globals (firmware/platform/moddable/types/globals.d.ts): the device side only.
const MODDABLE_GLOBALS = ["trace", "device"].map((name) => ({
  name,
  message: `${name} is a Moddable runtime global: only firmware/platform/moddable/ and firmware/main.ts may use it`,
}));
// A computed import() names a module no check can see (nor XS's build-time module map).
const COMPUTED_IMPORT = { selector: "ImportExpression[source.type!='Literal']", message: "import() takes a string literal in firmware/" };
const nodeImport = (names) => ({
  selector: `ImportExpression[source.value=/^(${names.map((n) => n.replace("*", ".*")).join("|")})$/]`,
  message: "no Node modules in firmware/, imported dynamically or not",
});
// Outside the device side, the folder rule (test/purity.test.ts): only relative firmware modules.
const NON_RELATIVE_IMPORT = {
  selector: "ImportExpression[source.type='Literal']:not([source.value=/^\\./])",
  message: "the pure firmware imports only relative firmware modules",
};

export default tseslint.config(
  // The esp32 native module's host-function declarations (`function f() @ "xs_f";`) are XS syntax, not JavaScript.
  { ignores: ["node_modules/**", ".tsbuild/**", "certs/out/**", "build/**", "**/*.d.ts", "firmware/platform/moddable/esp32/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Device code runs on XS: keep Node and host timers out even where types would allow them.
    files: ["firmware/**/*.ts", "examples/**/*.ts", "bench/device-apps/**/*.ts"],
    rules: {
      "no-restricted-globals": ["error", ...HOST_GLOBALS],
      "no-restricted-imports": ["error", { patterns: [...NODE_MODULES, ...NODE_NETWORK] }],
      // A triple-slash reference to Node's (or the DOM's) types would open the whole firmware project to them.
      "@typescript-eslint/triple-slash-reference": ["error", { path: "never", types: "never", lib: "never" }],
    },
  },
  {
    // Moddable apps in plain JavaScript (the SDK client's bench app): the runtime's globals.
    files: ["bench/device-apps/**/*.js"],
    languageOptions: { globals: { trace: "readonly" } },
  },
  {
    // The device bindings import the Moddable SDK's own "net" and TLS socket, which share names with Node's.
    files: ["firmware/**/platform/moddable/**/*.ts", "examples/**/*.ts", "bench/device-apps/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: NODE_MODULES }],
    },
  },
  {
    // All of firmware/: no way around the names above through the global object or a computed import().
    files: ["firmware/**/*.ts"],
    rules: {
      "no-restricted-globals": ["error", ...HOST_GLOBALS, GLOBAL_OBJECT],
      "no-restricted-syntax": ["error", COMPUTED_IMPORT, nodeImport(NODE_MODULES)],
      "no-eval": "error", // indirect eval and Function("return this") are the global object too
      "no-new-func": "error",
    },
  },
  {
    // The pure firmware (all of firmware/ but the device side, by pattern): no Moddable globals either.
    files: ["firmware/**/*.ts"],
    ignores: ["firmware/**/platform/moddable/**", "firmware/main.ts"],
    rules: {
      "no-restricted-globals": ["error", ...HOST_GLOBALS, GLOBAL_OBJECT, ...MODDABLE_GLOBALS],
      "no-restricted-syntax": ["error", COMPUTED_IMPORT, NON_RELATIVE_IMPORT],
    },
  },
);
