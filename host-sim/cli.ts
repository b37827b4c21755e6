// `npm start`: simulated wearables publishing over MQTT/TLS, with a live view. Flags: host-sim/cli/options.ts.
import { EXIT, run } from "./cli/run.js";
import { parseCli, USAGE, UsageError } from "./cli/options.js";

async function main(): Promise<number> {
  const options = parseCli(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  let stops = 0;
  return run(options, {
    stdout: process.stdout,
    stderr: process.stderr,
    onStopSignal(handler) {
      const stop = (): void => {
        // A second Ctrl-C while closing does not wait any longer.
        if (++stops > 1) process.exit(130);
        handler();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
  });
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`error: ${error.message}${usage ? " (see --help)" : ""}\n`);
    process.exit(usage ? EXIT.usage : EXIT.fatal);
  },
);
