import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { senmlCbor, senmlJson, senmlJsonBytes, SenmlError, type SenmlRecord } from "../../firmware/telemetry/senml.js";
import { deviceBaseName, encodeTelemetry, telemetryPack, type StampedReading } from "../../firmware/telemetry/payload.js";
import { decodeCbor, Tagged } from "../../support/cbor-decode.js";
import { oracleDecode } from "../../support/cbor-oracle.js";
import { resolveSeqs } from "../../host-sim/senml-seq.js";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
// RFC 8428 section 6, Table 4, and our extension label.
const KEYS = new Map<unknown, string>([
  [-1, "bver"], [-2, "bn"], [-3, "bt"], [-4, "bu"], [0, "n"], [1, "u"], [2, "v"], [3, "vs"], [4, "vb"], [5, "s"], [6, "t"], [7, "ut"], ["seq", "seq"],
]);
const toRecords = (maps: Map<unknown, unknown>[], number: (v: unknown) => unknown): SenmlRecord[] =>
  maps.map((m) => {
    const r: Record<string, unknown> = {};
    for (const [k, v] of m) {
      const label = KEYS.get(k);
      expect(label, `unexpected CBOR key ${String(k)}`).toBeDefined();
      r[label as string] = number(v);
    }
    return r as SenmlRecord;
  });
/** A decimal fraction (tag 4, [exponent, mantissa]) as the double its text reads as (RFC 8428 section 6). */
const decimal = (v: unknown): unknown => {
  if (!(v instanceof Tagged)) return v;
  expect(v.tag).toBe(4);
  const [exponent, mantissa] = v.value as [number, number];
  return Number(`${mantissa}e${exponent}`);
};
/** The records of a SenML CBOR pack, by our test decoder (which also checks preferred serialization) and by
 *  the oracle, which must agree. */
const cborToRecords = (bytes: Uint8Array): SenmlRecord[] => {
  const decoded = decodeCbor(bytes);
  expect(decoded.preferred).toBe(true);
  const records = toRecords(decoded.value as Map<unknown, unknown>[], decimal);
  expect(toRecords(oracleDecode(bytes) as Map<unknown, unknown>[], (v) => v)).toEqual(records);
  return records;
};

describe("SenML JSON", () => {
  it("writes labels in a fixed order and omits absent ones", () => {
    const pack: SenmlRecord[] = [
      { n: "hr", bn: "dev-1/", bt: 1763770000.25, u: "beat/min", v: 72, seq: 9 },
      { n: "temp", u: "Cel", v: 36.75, t: 1.5, seq: 10 },
    ];
    expect(senmlJson(pack)).toBe(
      '[{"bn":"dev-1/","bt":1763770000.25,"n":"hr","u":"beat/min","v":72,"seq":9},{"n":"temp","u":"Cel","v":36.75,"t":1.5,"seq":10}]',
    );
  });
  it("formats numbers as valid JSON that parses back exactly", () => {
    const values = [0, -0, 0.1, 1e21, 1.5e-7, -123.456, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2];
    const text = senmlJson(values.map((v, i) => ({ n: `x${i}`, v })));
    const parsed = JSON.parse(text) as { v: number }[];
    expect(parsed.map((r) => r.v)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
  });
  it("escapes string values (quotes, backslash, controls, lone surrogates) so the UTF-8 bytes parse back", () => {
    const vs = 'a"b\\c\nd\re\tf\u0001g\u001f h\u00fc\u6c34\ud83d\ude00 \ud800 end\udc00';
    const bytes = senmlJsonBytes([{ n: "x", vs }, { n: "y", vb: false }]);
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as SenmlRecord[];
    expect(parsed).toEqual([{ n: "x", vs }, { n: "y", vb: false }]);
  });
  it("refuses names outside RFC 8428 section 4.5.1 and non-finite numbers with typed errors", () => {
    const err = (pack: SenmlRecord[]) => {
      try {
        senmlJson(pack);
      } catch (e) {
        return e as SenmlError;
      }
      throw new Error("no error");
    };
    expect(err([{ bn: "dev 1/", n: "hr", v: 1 }]).code).toBe("invalid-name");
    expect(err([{ bn: "-dev/", n: "hr", v: 1 }]).code).toBe("invalid-name");
    expect(err([{ v: 1 }]).code).toBe("invalid-name");
    expect(err([{ bn: "d/", n: "hr" }, { n: "é", v: 1 }]).code).toBe("invalid-name");
    expect(err([{ n: "hr", v: NaN }]).code).toBe("invalid-value");
    expect(err([{ n: "hr", v: 1, t: Infinity }]).code).toBe("invalid-value");
    expect(err([]).code).toBe("empty-pack");
    expect(() => senmlCbor([{ n: "hr", v: NaN }])).toThrow(SenmlError);
  });
});

describe("SenML CBOR", () => {
  it("writes a number as the shortest exact item: integer, float16/32, decimal fraction or float64 (hand-assembled bytes)", () => {
    const v = (x: number) => hex(senmlCbor([{ n: "x", v: x }])).slice("81a2006178".length + 2);
    expect(v(72)).toBe("1848");
    expect(v(36.5)).toBe("f95090"); // float16
    expect(v(36.6)).toBe("c4822019016e"); // tag 4 [-1, 366]: 6 bytes, a float64 would be 9
    expect(v(-0.1)).toBe("c4822020"); // [-1, -1]
    expect(v(1e21)).toBe("c4821501"); // [21, 1]
    expect(v(Math.PI)).toBe("fb400921fb54442d18"); // no decimal shorter than 9 bytes
    expect(v(5e-324)).toBe("fb0000000000000001"); // 10^-324 is no exact double
    expect(cborToRecords(senmlCbor([{ n: "x", v: 36.6 }]))[0].v).toBe(36.6);
  });

  it("property: a decimal number's item is never longer than a float64 and reads back as exactly the same double", () => {
    const decimals = fc.oneof(
      fc.integer({ min: 300, max: 450 }).map((n) => n / 10), // body temperatures at 0.1 C
      fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 1, max: 12 })).map(([m, k]) => m / 10 ** k),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    let tagged = 0;
    fc.assert(
      fc.property(decimals, (x) => {
        const bytes = senmlCbor([{ n: "x", v: x }]);
        const item = bytes.length - 5; // 81 a2 00 61 78 02 | item
        expect(item - 1).toBeLessThanOrEqual(9);
        if (bytes[6] === 0xc4) tagged++;
        expect(Object.is(cborToRecords(bytes)[0].v, x)).toBe(true);
      }),
      { seed: 4, numRuns: 2000 },
    );
    expect(tagged).toBeGreaterThan(500);
  });

  it("uses the integer keys of RFC 8428 section 6 (hand-assembled bytes)", () => {
    // [{-2: "a/", 0: "t", 2: 1}]
    expect(hex(senmlCbor([{ bn: "a/", n: "t", v: 1 }]))).toBe("81a3" + "21" + "62612f" + "00" + "6174" + "02" + "01");
    // [{-3: 1.5, 6: -0.5, 4: true, "seq": 300}] -> bt f93e00, t f9b800, vb f5, "seq" 19012c
    expect(hex(senmlCbor([{ bt: 1.5, n: "x", vb: true, t: -0.5, seq: 300 }]))).toBe(
      "81a5" + "22f93e00" + "006178" + "04f5" + "06f9b800" + "63736571" + "19012c",
    );
  });
});

describe("SenML: property — JSON and CBOR carry the same pack", () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9\-:./_]{0,8}$/);
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const record = fc.record(
    {
      bn: name,
      bt: finite,
      bu: fc.constantFrom("Cel", "beat/min", "1/s", "%RH"),
      n: name,
      u: fc.constantFrom("Cel", "beat/min"),
      v: finite,
      vs: fc.string({ unit: "binary" }).filter((s) => !s.includes("\u0000")),
      vb: fc.boolean(),
      s: finite,
      t: finite,
      ut: finite,
      seq: fc.nat(),
    },
    { requiredKeys: ["n"] },
  ) as fc.Arbitrary<SenmlRecord>;
  const normalize = (pack: SenmlRecord[]) =>
    JSON.parse(JSON.stringify(pack, (_k, v: unknown) => (Object.is(v, -0) ? 0 : v))) as SenmlRecord[];

  it("round-trips through JSON.parse and through an independent CBOR decoder", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (pack) => {
        pack[0].bn = pack[0].bn ?? "d/";
        const fromJson = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(senmlJsonBytes(pack))) as SenmlRecord[];
        expect(fromJson).toEqual(normalize(pack));
        const fromCbor = cborToRecords(senmlCbor(pack));
        expect(fromCbor.map((r, i) => ({ ...r, v: r.v === undefined ? undefined : Object.is(r.v, -0) ? 0 : r.v, _i: i }))).toEqual(
          pack.map((r, i) => ({ ...r, v: r.v === undefined ? undefined : Object.is(r.v, -0) ? 0 : r.v, _i: i })),
        );
      }),
      { seed: 8428, numRuns: 300 },
    );
  });
});

describe("telemetry payload", () => {
  const t0 = Date.UTC(2026, 10, 22, 0, 30, 0, 125);
  const t0s = Math.round(t0 / 1000); // times go out in whole seconds
  const readings: StampedReading[] = [
    { seq: 41, kind: "hr", value: 72, time: t0 },
    { seq: 42, kind: "temp", value: 36.8125, time: t0 + 1000 },
    { seq: 43, kind: "hr", value: 74.5, time: t0 + 2250 },
  ];

  it("builds a pack with base name, absolute base time, relative t and sequence numbers", () => {
    expect(telemetryPack(deviceBaseName("wearable-42"), readings)).toEqual([
      { bn: "wearable-42/", bt: t0s, bu: "beat/min", n: "hr", v: 72, seq: 41 },
      { n: "temp", u: "Cel", v: 36.8125, t: 1 }, // seq 42: the previous + 1
      { n: "hr", v: 74.5, t: 2 }, // 2.25 s after the first: 2.375 s past a whole second, so 2
    ]);
  });

  it("writes seq where it does not follow from the previous record's (+1), and a back end resolves every one", () => {
    const seqs = [7, 8, 9, 12, 13, 20];
    const pack = telemetryPack("d/", seqs.map((seq, i) => ({ seq, kind: "hr" as const, value: 70, time: t0 + 1000 * i })));
    expect(pack.map((r) => r.seq)).toEqual([7, undefined, undefined, 12, undefined, 20]);
    expect(resolveSeqs(pack)).toEqual(seqs);
    expect(resolveSeqs(cborToRecords(encodeTelemetry("d/", pack.map((_r, i) => ({ seq: seqs[i], kind: "hr" as const, value: 70, time: t0 + 1000 * i })), "cbor").bytes))).toEqual(seqs);
    expect(() => resolveSeqs([{ n: "x" } as { seq?: unknown }])).toThrow(/no usable seq/);
  });

  it("puts the unit of the most frequent kind in bu and gives only the others u", () => {
    const temps = telemetryPack("d/", [readings[1], { ...readings[1], seq: 50 }, readings[0]]);
    expect(temps.map((r) => [r.bu, r.u])).toEqual([["Cel", undefined], [undefined, undefined], [undefined, "beat/min"]]);
    const single = telemetryPack("d/", [readings[0]]);
    expect(single[0]).toMatchObject({ bu: "beat/min" });
    expect(single[0].u).toBeUndefined();
  });

  it("uses the oldest reading as base time, so every resolved time is absolute", () => {
    const pack = telemetryPack("d/", [readings[1], readings[0]]);
    expect(pack[0].bt).toBe(t0s);
    expect(pack[0].t).toBe(1);
    expect(pack[1].t).toBeUndefined();
  });

  it("times go out in whole seconds (precision.ts): bt an integer, t small integers, rounded to the nearest", () => {
    const times = [t0 + 499, t0 + 1375, t0 + 2874, t0 + 61_500];
    const pack = telemetryPack("d/", times.map((time, i) => ({ seq: i + 1, kind: "hr" as const, value: 70, time })));
    expect(pack[0].bt).toBe(Math.round((t0 + 499) / 1000));
    expect(pack.map((r) => r.t ?? 0)).toEqual([0, 1, 2, 61]); // whole seconds 1, 2, 3, 62 past t0's
    // In CBOR: bt a uint32 (5 bytes), t one byte below 24, two up to 255.
    const cbor = hex(encodeTelemetry("d/", [{ seq: 1, kind: "hr", value: 70, time: t0 }, { seq: 2, kind: "hr", value: 71, time: t0 + 30_000 }], "cbor").bytes);
    expect(cbor).toContain("221a" + t0s.toString(16).padStart(8, "0"));
    expect(cbor).toContain("06181e");
  });

  it("refuses readings whose time is not absolute (clock not set)", () => {
    expect(() => telemetryPack("d/", [{ seq: 1, kind: "hr", value: 60, time: 5000 }])).toThrow(
      expect.objectContaining({ code: "invalid-value" }),
    );
    expect(() => telemetryPack("d/", [])).toThrow(expect.objectContaining({ code: "empty-pack" }));
  });

  it("encodes JSON and CBOR with their media types; CBOR is smaller and decodes to the same records", () => {
    const json = encodeTelemetry("wearable-42/", readings, "json");
    const cbor = encodeTelemetry("wearable-42/", readings, "cbor");
    expect(json.contentType).toBe("application/senml+json");
    expect(cbor.contentType).toBe("application/senml+cbor");
    const fromJson = JSON.parse(new TextDecoder().decode(json.bytes)) as SenmlRecord[];
    expect(cborToRecords(cbor.bytes)).toEqual(fromJson);
    expect(cbor.bytes.length).toBeLessThan(json.bytes.length * 0.75);
  });
});
