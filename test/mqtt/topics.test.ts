// Topic Names, Topic Filters and matching (section 4.7), with the spec's own examples.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import { topicMatches, validateTopicFilter, validateTopicName } from "../../firmware/mqtt/codec/topics.js";
import { topicFilter, topicName } from "./arbitraries.js";

function sectionOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).section;
  }
}

describe("validateTopicName", () => {
  it.each(["a", "/", "a/b/c", "sport/tennis/player1", "$SYS/broker", " ", "é/😀", "//"])("accepts %j and returns its UTF-8 length", (t) => {
    expect(validateTopicName(t)).toBe(Buffer.byteLength(t));
  });

  it.each([
    ["", "4.7.3"],
    ["a/+", "4.7.1.1"],
    ["#", "4.7.1.1"],
    ["a+b", "4.7.1.1"],
    ["a\u0000b", "1.5.4"],
    ["a\udc00", "1.5.4"],
    ["x".repeat(65536), "4.7.3"],
  ])("rejects %j citing %s", (t, section) => {
    expect(sectionOf(() => validateTopicName(t))).toBe(section);
  });

  it("names the PUBLISH rule when asked to", () => {
    expect(sectionOf(() => validateTopicName("a/#", "3.3.2.1"))).toBe("3.3.2.1");
  });

  it("accepts exactly 65535 bytes", () => {
    expect(validateTopicName("€".repeat(21845))).toBe(65535);
  });
});

describe("validateTopicFilter", () => {
  it.each(["#", "+", "sport/#", "sport/tennis/#", "+/tennis/#", "sport/+/player1", "+/+", "/+", "a//b", "$SYS/#"])("accepts %j", (f) => {
    expect(validateTopicFilter(f)).toBe(Buffer.byteLength(f));
  });

  it.each([
    ["", "4.7.3"],
    ["sport/tennis#", "4.7.1.2"],
    ["sport/tennis/#/ranking", "4.7.1.2"],
    ["#/", "4.7.1.2"],
    ["sport+", "4.7.1.3"],
    ["+a", "4.7.1.3"],
    ["a/+b/c", "4.7.1.3"],
    ["a\u0000", "1.5.4"],
  ])("rejects %j citing %s", (f, section) => {
    expect(sectionOf(() => validateTopicFilter(f))).toBe(section);
  });
});

describe("topicMatches", () => {
  it.each([
    // 4.7.1.2
    ["sport/tennis/player1/#", "sport/tennis/player1", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true],
    ["sport/#", "sport", true],
    ["#", "a/b/c", true],
    // 4.7.1.3
    ["sport/tennis/+", "sport/tennis/player1", true],
    ["sport/tennis/+", "sport/tennis/player2", true],
    ["sport/tennis/+", "sport/tennis/player1/ranking", false],
    ["sport/+", "sport", false],
    ["sport/+", "sport/", true],
    ["+/+", "/finance", true],
    ["/+", "/finance", true],
    ["+", "/finance", false],
    ["+/+", "/", true],
    // 4.7.2
    ["#", "$SYS/broker", false],
    ["+/monitor/Clients", "$SYS/monitor/Clients", false],
    ["$SYS/#", "$SYS/broker", true],
    ["$SYS/monitor/+", "$SYS/monitor/Clients", true],
    // plain
    ["a/b", "a/b", true],
    ["a/b", "a/bc", false],
    ["a/bc", "a/b", false],
    ["a/b", "a/b/c", false],
    ["a/b/c", "a/b", false],
    ["A", "a", false],
  ])("%j matches %j: %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it("agrees with a level-by-level reference on random names and filters", () => {
    const reference = (filter: string, topic: string): boolean => {
      if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
      const f = filter.split("/");
      const t = topic.split("/");
      for (let i = 0; i < f.length; i++) {
        if (f[i] === "#") return true;
        if (i >= t.length) return false;
        if (f[i] !== "+" && f[i] !== t[i]) return false;
      }
      return f.length === t.length;
    };
    fc.assert(
      fc.property(topicFilter, topicName, (filter, topic) => {
        expect(topicMatches(filter, topic)).toBe(reference(filter, topic));
      }),
      { numRuns: 2000, seed: 47 },
    );
    // Also where the topic is built from the filter, so that matches are common.
    fc.assert(
      fc.property(topicFilter, fc.array(fc.constantFrom("a", "b", "", "$"), { minLength: 8, maxLength: 8 }), (filter, fill) => {
        let k = 0;
        const topic = filter
          .split("/")
          .flatMap((level) => (level === "#" ? fill.slice(0, k++ % 3) : [level === "+" ? fill[k++ % 8] : level]))
          .join("/");
        if (topic === "") return;
        expect(topicMatches(filter, topic)).toBe(reference(filter, topic));
      }),
      { numRuns: 2000, seed: 48 },
    );
  });
});
