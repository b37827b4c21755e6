import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "certs/out/**", "build/**", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The firmware runs on XS: keep Node and host timers out even where types would allow them.
    files: ["firmware/**/*.ts", "examples/**/*.ts", "bench/device-apps/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...["Buffer", "process", "require", "setTimeout", "setInterval", "setImmediate", "queueMicrotask"],
        ...["console", "performance", "structuredClone", "TextEncoder", "TextDecoder"],
      ],
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "net", "tls", "crypto", "buffer", "events", "stream", "os", "path", "child_process"] }],
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
    files: ["firmware/platform/moddable/**/*.ts", "examples/**/*.ts", "bench/device-apps/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "crypto", "buffer", "events", "stream", "os", "path", "child_process"] }],
    },
  },
);
