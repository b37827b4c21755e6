// The firmware's hand-written text checks (mqtt/common/text.ts), which stand in for regular expressions on
// paths taken all day, checked against the expressions they replace.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { integerAt, isIPv4, onlyAlphanumericOr } from "../../firmware/mqtt/common/text.js";

describe("text checks", () => {
  it("isIPv4: dotted quads of 0..255, nothing else", () => {
    for (const yes of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.2", "192.168.001.020"]) expect(isIPv4(yes), yes).toBe(true);
    for (const no of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", ".1.2.3", "1.2.3.", "a.b.c.d", "1.2.3.4 ", "1234.1.1.1", "localhost", "::1"]) {
      expect(isIPv4(no), no).toBe(false);
    }
    const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9.]{0,16}$/), (s) => {
        const m = quad.exec(s);
        expect(isIPv4(s)).toBe(m !== null && m.slice(1).every((p) => Number(p) <= 255));
      }),
      { seed: 3, numRuns: 2000 },
    );
  });

  it("integerAt: a signed decimal integer where it starts, and where it ends", () => {
    const end = { at: 0 };
    expect(integerAt("alert: 2, 116", 10, end)).toBe(116);
    expect(end.at).toBe(13);
    expect(integerAt("e-7", 1)).toBe(-7);
    expect(integerAt("x", 0)).toBeNaN();
    expect(integerAt("-", 0)).toBeNaN();
  });

  it("onlyAlphanumericOr: letters, digits and the extra characters given", () => {
    expect(onlyAlphanumericOr("wearable-001/hr", "-:./_")).toBe(true);
    expect(onlyAlphanumericOr("a b", "-")).toBe(false);
    expect(onlyAlphanumericOr("-x", "", 1)).toBe(true);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        expect(onlyAlphanumericOr(s, "-:./_")).toBe(/^[A-Za-z0-9\-:./_]*$/.test(s));
      }),
      { seed: 4, numRuns: 2000 },
    );
  });
});
