import { describe, expect, it } from "vitest";
import { identifyCaller, isValidServiceToken } from "../src/service-token.ts";

const token = (name: string) => name.padEnd(40, "0");
const credentials = Object.freeze({
  gateway: [token("g-current"), token("g-previous")],
  service: [token("s-current")],
});

describe("service credentials", () => {
  it("tells the gateway from a service, current and previous tokens alike", () => {
    expect(identifyCaller("g-current".padEnd(40, "0"), credentials)).toBe("gateway");
    expect(identifyCaller("g-previous".padEnd(40, "0"), credentials)).toBe("gateway");
    expect(identifyCaller("s-current".padEnd(40, "0"), credentials)).toBe("service");
  });

  const unproven = [
    undefined,
    "",
    "g-current",
    "g-current".padEnd(41, "0"),
    `${token("g-current")},${token("g-previous")}`,
  ];
  it.each(unproven)("proves nothing with %j", (presented) => {
    expect(identifyCaller(presented, credentials)).toBeNull();
  });

  it("checks one token or a list, and never accepts against an empty configuration", () => {
    expect(isValidServiceToken("a".repeat(32), "a".repeat(32))).toBe(true);
    expect(isValidServiceToken("b".repeat(32), ["a".repeat(32), "b".repeat(32)])).toBe(true);
    expect(isValidServiceToken("c".repeat(32), ["a".repeat(32), "b".repeat(32)])).toBe(false);
    expect(isValidServiceToken("", [""])).toBe(false);
    expect(isValidServiceToken("a".repeat(32), undefined)).toBe(false);
    expect(identifyCaller("x".repeat(40), { gateway: [""], service: [] })).toBeNull();
  });
});
