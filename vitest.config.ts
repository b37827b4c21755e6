import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One line at the end naming the suites skipped for want of the Moddable SDK (test/support/sdk.ts).
    globalSetup: ["test/support/sdk-skips.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
