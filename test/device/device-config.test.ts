// mc/config -> device settings: command-line overrides arrive as strings, bad values are refused with the
// key named, and the sampling keys reach the app's start-up configuration.
import { describe, expect, it } from "vitest";
import { deviceSettings } from "../../firmware/platform/device-settings.js";
import { ConfigError } from "../../firmware/common/config-error.js";

const base = { mqttHost: "broker.lan", mqttPort: 8883 };

describe("device settings from mc/config", () => {
  it("takes the manifest's typed values and defaults the MQTT session settings", () => {
    expect(deviceSettings({ ...base, mqttServerName: "" })).toEqual({
      broker: { host: "broker.lan", port: 8883 },
      protocolVersion: 4,
      keepAlive: 60,
      networks: [],
      sntp: [],
      app: {},
      renewalMarginDays: 30,
    });
  });

  it("has no device id: the device is who its certificate says (firmware/identity/)", () => {
    expect(deviceSettings({ ...base, deviceId: "wearable-009" })).not.toHaveProperty("deviceId");
  });

  it("accepts command-line strings (mcconfig key=value) for numbers", () => {
    const s = deviceSettings({ ...base, mqttPort: "18883", mqttVersion: "5", mqttKeepAlive: "30", hrIntervalMs: "2000", batchMaxAgeMs: "0", payloadFormat: "cbor", certRenewDays: "10" });
    expect(s.renewalMarginDays).toBe(10);
    expect(s.broker.port).toBe(18883);
    expect(s.protocolVersion).toBe(5);
    expect(s.keepAlive).toBe(30);
    expect(s.app).toEqual({ hrIntervalMs: 2000, batchMaxAgeMs: 0, format: "cbor" });
  });

  it("passes the upload period and the urgent kinds (comma-separated) on to the app", () => {
    expect(deviceSettings({ ...base, uploadPeriodMs: "300000", urgent: "temp, hr" }).app).toEqual({ uploadPeriodMs: 300_000, urgent: ["temp", "hr"] });
    expect(deviceSettings({ ...base, uploadPeriodMs: 0, urgent: "" }).app).toEqual({ uploadPeriodMs: 0 });
  });

  it("passes a broker username and password on when given, and leaves them out when empty", () => {
    const s = deviceSettings({ ...base, mqttUsername: "wearable", mqttPassword: "s3cret" });
    expect([s.username, s.password]).toEqual(["wearable", "s3cret"]);
    expect(deviceSettings({ ...base, mqttUsername: "", mqttPassword: "" })).not.toHaveProperty("password");
  });

  it("passes the topic prefix on when given (the app checks it)", () => {
    expect(deviceSettings({ ...base, topicPrefix: "ward-7/devices" }).topicPrefix).toBe("ward-7/devices");
    expect(deviceSettings({ ...base, topicPrefix: "" })).not.toHaveProperty("topicPrefix");
  });

  it("passes the TLS server name and the SNTP servers on when given", () => {
    const s = deviceSettings({ ...base, mqttHost: "192.168.1.20", mqttServerName: "broker.lan", sntp: "pool.ntp.org, 10.0.0.1:10123" });
    expect(s.serverName).toBe("broker.lan");
    expect(s.sntp).toEqual(["pool.ntp.org", "10.0.0.1:10123"]);
  });

  it("takes up to three Wi-Fi networks in order (ssid/password, ssid2/password2, ssid3/password3), open ones too", () => {
    const s = deviceSettings({ ...base, ssid: "ward", password: "one", ssid2: "", ssid3: "lobby" });
    expect(s.networks).toEqual([{ ssid: "ward", password: "one" }, { ssid: "lobby" }]);
  });

  it.each([
    [{ mqttPort: "88a3" }, "mqttPort", "wrong-type"],
    [{ mqttPort: 70000 }, "mqttPort", "out-of-range"],
    [{ mqttPort: undefined }, "mqttPort", "wrong-type"],
    [{ mqttHost: "" }, "mqttHost", "out-of-range"],
    [{ certRenewDays: "0" }, "certRenewDays", "out-of-range"],
    [{ mqttVersion: "3" }, "mqttVersion", "out-of-range"],
    [{ hrIntervalMs: "fast" }, "hrIntervalMs", "wrong-type"],
    [{ payloadFormat: "xml" }, "payloadFormat", "out-of-range"],
    [{ password2: "orphan" }, "ssid2", "inconsistent"], // a password without its network
  ])("refuses %o naming %s", (override, field, code) => {
    let error: unknown;
    try {
      deviceSettings({ ...base, ...override });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).code).toBe(code);
  });
});
