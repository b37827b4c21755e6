// Flag parsing: defaults, each flag's value, and a clear UsageError for every bad value.
import { describe, expect, it } from "vitest";
import { CLI_CONFIG, DEFAULT_CERTS_DIR, fleetIds, parseBrokerUrl, parseCli, UsageError } from "../../host-sim/cli/options.js";

function usageError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(" ")}`);
}

describe("CLI options", () => {
  it("defaults to one device, the embedded broker, a 72 bpm pulse and the demo configuration", () => {
    const o = parseCli([]);
    expect(o.broker).toBeUndefined();
    expect(o.deviceIds).toEqual(["wearable-001"]);
    expect(o.hr).toEqual({ kind: "constant", bpm: 72 });
    expect(o.temperature).toBe(36.6);
    expect(o.thermometer).toBe("tmp117");
    expect(o.certsDir).toBe(DEFAULT_CERTS_DIR);
    expect(o.dataDir).toBe(".sim-data");
    expect(o.listenPort).toBeUndefined();
    expect(o.readings).toBeUndefined();
    expect(o.config).toMatchObject(CLI_CONFIG);
  });

  it("reads every flag", () => {
    const o = parseCli([
      "--broker", "mqtts://broker.lan:18883", "--ca", "ca.pem", "--cert", "d.pem", "--key", "d-key.pem",
      "--device-id", "watch-7", "--hr", "ramp", "--temp", "37.5", "--data", "/tmp/x", "--readings", "10",
      "--outage", "4", "--outage-after", "2.5", "--plain", "--config", '{"format":"cbor"}',
    ]);
    expect(o.broker).toEqual({ host: "broker.lan", port: 18883 });
    expect([o.ca, o.cert, o.key]).toEqual(["ca.pem", "d.pem", "d-key.pem"]);
    expect(o.deviceIds).toEqual(["watch-7"]);
    expect(o.hr).toEqual({ kind: "ramp" });
    expect(o.temperature).toBe(37.5);
    expect(o.dataDir).toBe("/tmp/x");
    expect(o.readings).toBe(10);
    expect(o.outage).toEqual({ seconds: 4, afterSeconds: 2.5 });
    expect(o.plain).toBe(true);
    expect(o.config.format).toBe("cbor");
    expect(o.config.hrIntervalMs).toBe(CLI_CONFIG.hrIntervalMs); // the rest of the demo defaults stays
  });

  it("numbers a fleet up from the device id, keeping the width", () => {
    expect(parseCli(["--devices", "3"]).deviceIds).toEqual(["wearable-001", "wearable-002", "wearable-003"]);
    expect(fleetIds("ward", 2)).toEqual(["ward-001", "ward-002"]);
    expect(fleetIds("bed9", 3)).toEqual(["bed9", "bed10", "bed11"]);
  });

  it("takes mqtts URLs only, with 8883 as the default port", () => {
    expect(parseBrokerUrl("mqtts://localhost")).toEqual({ host: "localhost", port: 8883 });
    expect(parseBrokerUrl("mqtts://[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(usageError(["--broker", "mqtt://localhost:1883"])).toMatch(/only mqtts:\/\//);
    expect(usageError(["--broker", "localhost:8883"])).toMatch(/mqtts/);
    expect(usageError(["--broker", "mqtts://user:pw@host"])).toMatch(/credentials/);
  });

  it("refuses bad values with the flag named", () => {
    expect(usageError(["--readings", "0"])).toMatch(/^--readings "0": expected a whole number/);
    expect(usageError(["--readings", "ten"])).toMatch(/^--readings/);
    expect(usageError(["--hr", "fast"])).toMatch(/^--hr "fast": expected beats per minute 30..220, or ramp/);
    expect(usageError(["--hr", "400"])).toMatch(/^--hr/);
    expect(usageError(["--devices", "1.5"])).toMatch(/^--devices/);
    expect(usageError(["--outage=-1"])).toMatch(/^--outage/);
    expect(usageError(["--outage-after", "3"])).toMatch(/needs --outage/);
    expect(usageError(["--temp", "80"])).toMatch(/^--temp/);
    expect(usageError(["--thermometer", "lm75"])).toMatch(/^--thermometer "lm75": expected tmp117 or max30205/);
    expect(usageError(["--listen", "70000"])).toMatch(/^--listen/);
    expect(usageError(["--device-id", "a/b"])).toMatch(/^--device-id/);
    expect(usageError(["--cert", "x.pem"])).toMatch(/--cert and --key go together/);
    expect(usageError(["--devices", "2", "--cert", "x", "--key", "y"])).toMatch(/one certificate per device/);
    expect(usageError(["--hr", "70", "--ppg", "x.csv"])).toMatch(/alternatives/);
    expect(usageError(["--broker", "mqtts://h", "--listen", "1"])).toMatch(/embedded broker/);
    expect(usageError(["--bogus"])).toMatch(/bogus/);
  });

  it("validates --config with the app's own rules", () => {
    expect(usageError(["--config", '{"hrIntervalMs":5}'])).toMatch(/^--config: hrIntervalMs must be within/);
    expect(usageError(["--config", "{nope"])).toMatch(/^--config: not valid JSON/);
    expect(usageError(["--config", "/no/such/file.json"])).toMatch(/no such file/);
  });
});
