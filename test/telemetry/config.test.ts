import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  applyConfigUpdate,
  CONFIG_LIMITS,
  ConfigError,
  DEFAULT_CONFIG,
  parseConfigUpdate,
  rejectionDocument,
  validateConfig,
  type AppConfig,
  type ConfigResult,
} from "../../firmware/telemetry/config.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const refused = (r: ConfigResult): ConfigError => {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.config)}`);
  return r.error;
};
const accepted = (r: ConfigResult): AppConfig => {
  if (!r.ok) throw new Error(`expected acceptance, got ${r.error.code} ${r.error.field}: ${r.error.message}`);
  return r.config;
};

describe("config", () => {
  it("has valid defaults with the NEWS2 red-band thresholds", () => {
    expect(accepted(validateConfig(DEFAULT_CONFIG))).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.thresholds).toEqual({ hrLow: 40, hrHigh: 131, tempLow: 35.0, tempHigh: 39.1 });
    expect(DEFAULT_CONFIG.format).toBe("json");
  });

  it("applies a partial update over the current configuration without touching the current object", () => {
    const current = { ...DEFAULT_CONFIG, thresholds: { ...DEFAULT_CONFIG.thresholds } };
    const next = accepted(parseConfigUpdate(current, utf8('{"hrIntervalMs":2000,"format":"cbor","thresholds":{"hrHigh":120}}')));
    expect(next).toEqual({ ...current, hrIntervalMs: 2000, format: "cbor", thresholds: { ...current.thresholds, hrHigh: 120 } });
    expect(current).toEqual(DEFAULT_CONFIG);
    expect(accepted(parseConfigUpdate(current, utf8("{}")))).toEqual(current);
  });

  const cases: [string, string, string, string | undefined][] = [
    ["bytes that are not UTF-8", "\xff", "invalid-utf8", undefined],
    ["text that is not JSON", "{hrIntervalMs: 1}", "invalid-json", undefined],
    ["a JSON array", "[1]", "not-an-object", undefined],
    ["null", "null", "not-an-object", undefined],
    ["an unknown field", '{"hrInterval":1000}', "unknown-field", "hrInterval"],
    ["__proto__", '{"__proto__":{"hrIntervalMs":1}}', "unknown-field", "__proto__"],
    ["an unknown threshold", '{"thresholds":{"spo2Low":90}}', "unknown-field", "thresholds.spo2Low"],
    ["a string interval", '{"hrIntervalMs":"1000"}', "wrong-type", "hrIntervalMs"],
    ["a fractional count", '{"batchMaxReadings":2.5}', "wrong-type", "batchMaxReadings"],
    ["a too-short interval", '{"tempIntervalMs":999}', "out-of-range", "tempIntervalMs"],
    ["a too-large batch", '{"batchMaxReadings":101}', "out-of-range", "batchMaxReadings"],
    ["a negative age", '{"batchMaxAgeMs":-1}', "out-of-range", "batchMaxAgeMs"],
    ["an unknown format", '{"format":"xml"}', "out-of-range", "format"],
    ["a non-string format", '{"format":1}', "wrong-type", "format"],
    ["thresholds that are not an object", '{"thresholds":[40]}', "wrong-type", "thresholds"],
    ["an implausible threshold", '{"thresholds":{"hrHigh":300}}', "out-of-range", "thresholds.hrHigh"],
    ["a temperature threshold below 30 C", '{"thresholds":{"tempLow":29.9}}', "out-of-range", "thresholds.tempLow"],
    ["crossed heart-rate limits", '{"thresholds":{"hrLow":140}}', "inconsistent", "thresholds.hrLow"],
    ["crossed temperature limits", '{"thresholds":{"tempLow":39.1}}', "inconsistent", "thresholds.tempLow"],
    ["an upload period shorter than a minute (not 0)", '{"uploadPeriodMs":30000}', "out-of-range", "uploadPeriodMs"],
    ["an upload period over an hour", '{"uploadPeriodMs":3600001}', "out-of-range", "uploadPeriodMs"],
    ["urgent kinds that are not a list", '{"urgent":"hr"}', "wrong-type", "urgent"],
    ["an unknown urgent kind", '{"urgent":["spo2"]}', "out-of-range", "urgent"],
    ["an urgent kind twice", '{"urgent":["hr","hr"]}', "inconsistent", "urgent"],
  ];

  it("takes an upload period (0: always connected) and the kinds marked urgent", () => {
    expect(DEFAULT_CONFIG.uploadPeriodMs).toBe(0);
    expect(DEFAULT_CONFIG.urgent).toEqual([]);
    const next = accepted(parseConfigUpdate(DEFAULT_CONFIG, utf8('{"uploadPeriodMs":300000,"urgent":["temp","hr"]}')));
    expect(next).toMatchObject({ uploadPeriodMs: 300_000, urgent: ["temp", "hr"] });
    expect(accepted(parseConfigUpdate(next, utf8('{"uploadPeriodMs":0,"urgent":[]}')))).toMatchObject({ uploadPeriodMs: 0, urgent: [] });
    expect(DEFAULT_CONFIG.urgent).toEqual([]); // not shared with an accepted configuration
  });
  it.each(cases)("refuses %s, naming the reason and field", (_what, text, code, field) => {
    const bytes = text === "\xff" ? new Uint8Array([0x7b, 0xff, 0x7d]) : utf8(text);
    const error = refused(parseConfigUpdate(DEFAULT_CONFIG, bytes));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    const doc = JSON.parse(rejectionDocument(error)) as Record<string, string>;
    expect(doc.code).toBe(code);
    expect(doc.field).toBe(field);
    expect(doc.reason.length).toBeGreaterThan(10);
  });

  it("refuses the whole update when one field is bad (nothing applied partially)", () => {
    const error = refused(applyConfigUpdate(DEFAULT_CONFIG, { hrIntervalMs: 2000, batchMaxReadings: 0 }));
    expect(error.field).toBe("batchMaxReadings");
  });

  it("property: every accepted configuration is within the limits and consistent", () => {
    // Mostly values within the field's own limits (so that many updates are accepted and checked), then
    // values just outside them and anything at all.
    const anything = fc.oneof(fc.double(), fc.integer({ min: -10, max: 4_000_000 }), fc.string(), fc.constant(null));
    const pair = fc.constantFrom(...(Object.keys(CONFIG_LIMITS) as (keyof typeof CONFIG_LIMITS)[])).chain((f) => {
      const l = CONFIG_LIMITS[f];
      const within = l.integer ? fc.integer({ min: l.min, max: l.max }) : fc.double({ min: l.min, max: l.max, noNaN: true });
      const around = fc.double({ min: l.min - 1, max: l.max + 1, noNaN: true });
      return fc.tuple(fc.constant<string>(f), fc.oneof({ weight: 6, arbitrary: within }, { weight: 1, arbitrary: around }, { weight: 1, arbitrary: anything }));
    });
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), (pairs) => {
        const update: Record<string, unknown> = {};
        for (const [f, v] of pairs) {
          if (f.startsWith("thresholds.")) {
            update.thresholds = { ...((update.thresholds as object) ?? {}), [f.slice(11)]: v };
          } else update[f] = v;
        }
        const r = applyConfigUpdate(DEFAULT_CONFIG, update);
        if (!r.ok) {
          refused++;
          return;
        }
        if (pairs.length > 0) accepted++;
        const c = r.config;
        for (const [f, limit] of Object.entries(CONFIG_LIMITS)) {
          const v = f.startsWith("thresholds.") ? c.thresholds[f.slice(11) as keyof AppConfig["thresholds"]] : (c[f as keyof AppConfig] as number);
          expect(v).toBeGreaterThanOrEqual(limit.min);
          expect(v).toBeLessThanOrEqual(limit.max);
          if (limit.integer) expect(Number.isInteger(v)).toBe(true);
        }
        expect(c.thresholds.hrLow).toBeLessThan(c.thresholds.hrHigh);
        expect(c.thresholds.tempLow).toBeLessThan(c.thresholds.tempHigh);
      }),
      { seed: 5, numRuns: 500 },
    );
    // The checks above ran on non-empty accepted updates, not only on refusals and the defaults.
    expect(accepted).toBeGreaterThanOrEqual(150);
    expect(refused).toBeGreaterThanOrEqual(100);
  });
});
