import { describe, expect, it } from "vitest";
import {
  createLineSplitter,
  createLogTail,
  formatPrefix,
  MAX_LINE_LENGTH,
  NAME_WIDTH,
  prefixLine,
  stripAnsi,
} from "../lib/output.ts";

describe("prefixes", () => {
  it("puts every name in one fixed-width column", () => {
    expect(prefixLine("users", "listening", false)).toBe("users         │ listening");
    expect(prefixLine("notifications", "x", false)).toBe("notifications │ x");
    for (const name of ["users", "products", "orders", "notifications", "gateway", "shopgraph"]) {
      expect(formatPrefix(name, false)).toHaveLength(NAME_WIDTH + 3);
      expect(stripAnsi(formatPrefix(name, true))).toBe(formatPrefix(name, false));
    }
  });

  it("colors each process differently, and not at all without color", () => {
    expect(formatPrefix("users", true)).toContain("\u001b[36m");
    expect(formatPrefix("products", true)).not.toBe(stripAnsi(formatPrefix("products", true)).replace("products", "x"));
    expect(
      new Set(["users", "products", "orders", "notifications", "gateway"].map((n) => formatPrefix(n, true).slice(0, 5)))
        .size,
    ).toBe(5);
    expect(formatPrefix("users", false)).not.toContain("\u001b");
  });
});

describe("createLineSplitter", () => {
  const collect = () => {
    const lines: string[] = [];
    return { lines, splitter: createLineSplitter((l) => lines.push(l)) };
  };

  it("emits whole lines only, joining partial lines across chunks", () => {
    const { lines, splitter } = collect();
    splitter.push("first\nsec");
    expect(lines).toEqual(["first"]);
    splitter.push("ond\r\nthird\n\n");
    expect(lines).toEqual(["first", "second", "third", ""]);
    splitter.push("tail without newline");
    splitter.flush();
    expect(lines).toEqual(["first", "second", "third", "", "tail without newline"]);
  });

  it("keeps multi-byte characters split across chunks intact", () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from("ready ✓\n");
    splitter.push(bytes.subarray(0, 7));
    splitter.push(bytes.subarray(7));
    expect(lines).toEqual(["ready ✓"]);
  });

  it("does not hold an endless line in memory", () => {
    const { lines, splitter } = collect();
    splitter.push("x".repeat(MAX_LINE_LENGTH + 10));
    expect(lines).toEqual(["x".repeat(MAX_LINE_LENGTH)]);
    splitter.flush();
    expect(lines[1]).toBe("x".repeat(10));
  });

  it("emits nothing on flush when the stream ended with a newline", () => {
    const { lines, splitter } = collect();
    splitter.push("a\n");
    splitter.flush();
    expect(lines).toEqual(["a"]);
  });
});

describe("createLogTail", () => {
  it("keeps the last lines, oldest first", () => {
    const tail = createLogTail(3);
    for (const line of ["1", "2", "3", "4", "5"]) tail.add(line);
    expect(tail.lines()).toEqual(["3", "4", "5"]);
  });
});

describe("stripAnsi", () => {
  it("removes color codes", () => {
    expect(stripAnsi("\u001b[32mINFO\u001b[39m ready")).toBe("INFO ready");
  });
});
