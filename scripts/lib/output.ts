// Turning five children's byte streams into one readable terminal: whole lines only, each
// prefixed with its process name in a fixed-width column, and a tail kept for error reports.
import { StringDecoder } from "node:string_decoder";
import { styleText } from "node:util";

/** Width of the name column: the longest process name ("notifications"). */
export const NAME_WIDTH = 13;

type Color = "cyan" | "green" | "yellow" | "blue" | "magenta" | "gray";

// Fixed per name, so a process keeps its color from one run to the next.
const COLORS: Readonly<Record<string, Color>> = {
  users: "cyan",
  products: "green",
  orders: "yellow",
  notifications: "blue",
  gateway: "magenta",
};

/** The `users         │ ` prefix of a line; colored (ANSI) only when `color` is true. */
export function formatPrefix(name: string, color: boolean): string {
  // One space beyond the widest name keeps "notifications" off the bar.
  const label = `${name.padEnd(NAME_WIDTH)} `;
  if (!color) return `${label}│ `;
  // validateStream: false — the caller already decided whether the terminal takes colors.
  return `${styleText(COLORS[name] ?? "gray", label, { validateStream: false })}${styleText("gray", "│", { validateStream: false })} `;
}

/** One output line (from a {@link LineSplitter}) behind its process's prefix. */
export function prefixLine(name: string, line: string, color: boolean): string {
  return `${formatPrefix(name, color)}${line}`;
}

/** Splits a byte stream into lines, keeping partial lines (and multi-byte characters) across chunks. */
export interface LineSplitter {
  /** Feeds a chunk; calls `onLine` for every line it completes. */
  push(chunk: Buffer | string): void;
  /** Emits the unterminated rest, if any (call when the stream ends). */
  flush(): void;
}

/** Longest line kept in memory before it is emitted anyway (a child printing without newlines). */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Creates a {@link LineSplitter} that calls `onLine` without the line terminator. */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const emit = (line: string) => onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  const drain = () => {
    let index: number;
    while ((index = pending.indexOf("\n")) !== -1) {
      emit(pending.slice(0, index));
      pending = pending.slice(index + 1);
    }
    while (pending.length > MAX_LINE_LENGTH) {
      onLine(pending.slice(0, MAX_LINE_LENGTH));
      pending = pending.slice(MAX_LINE_LENGTH);
    }
  };
  return {
    push(chunk) {
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      drain();
    },
    flush() {
      pending += decoder.end();
      drain();
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}

/** The last lines a process printed, for reports when it fails. */
export interface LogTail {
  /** Remembers a line, forgetting the oldest beyond the capacity. */
  add(line: string): void;
  /** The remembered lines, oldest first. */
  lines(): string[];
}

/** Creates a {@link LogTail} keeping the last `capacity` lines. */
export function createLogTail(capacity: number): LogTail {
  const kept: string[] = [];
  return {
    add(line) {
      kept.push(line);
      if (kept.length > capacity) kept.splice(0, kept.length - capacity);
    },
    lines: () => [...kept],
  };
}

/** Strips ANSI escape sequences (children's colored logs inside error reports). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching the escape character is the point
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}
