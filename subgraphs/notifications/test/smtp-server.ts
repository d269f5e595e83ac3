// A tiny, real SMTP server for tests (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), listening on an ephemeral port. It can be "down" in two ways, to play an outage:
// answering 421 and hanging up, or dropping the connection without a word.
import { createServer, type Server, type Socket } from "node:net";

/** A message the server accepted (250 after DATA). */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Unfolded header fields, lower-case names. */
  headers: Record<string, string>;
  /** The body, transfer-decoded (quoted-printable or 7/8 bit) as UTF-8. */
  text: string;
}

/** How the server treats a new connection. */
export type SmtpMode = "accept" | "greet-421" | "drop";

/** A running test SMTP server. */
export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port> */
  url: string;
  received: ReceivedMail[];
  /** Connections opened so far, whatever happened to them. */
  readonly connections: number;
  mode: SmtpMode;
  /** Recipients answered 550 at RCPT TO (a permanent bounce). */
  rejectRecipients: Set<string>;
  close(): Promise<void>;
}

const decodeQuotedPrintable = (body: string): string =>
  Buffer.from(
    body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    "latin1",
  ).toString("utf8");

function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? "" : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const text =
    encoding === "quoted-printable"
      ? decodeQuotedPrintable(body)
      : encoding === "base64"
        ? Buffer.from(body, "base64").toString("utf8")
        : body;
  return { headers, text: text.replace(/\r\n/g, "\n").replace(/\n$/, "") };
}

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const state: TestSmtpServer = {
    url: "",
    received: [],
    get connections() {
      return connections;
    },
    mode: "accept",
    rejectRecipients: new Set(),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  function session(socket: Socket): void {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined); // clients hang up abruptly in the outage tests
    if (state.mode === "drop") return void socket.destroy();
    if (state.mode === "greet-421")
      return void socket.end("421 4.3.2 test.local Service not available, closing transmission channel\r\n");
    const reply = (line: string): void => void socket.write(`${line}\r\n`);
    let buffer = "";
    let envelope: { from: string; to: string[] } | null = null;
    let data: string[] | null = null;
    function command(line: string): void {
      const address = /<([^>]*)>/.exec(line)?.[1] ?? "";
      switch (line.slice(0, 4).toUpperCase()) {
        case "EHLO":
          return reply("250-test.local\r\n250 8BITMIME");
        case "HELO":
          return reply("250 test.local");
        case "MAIL":
          envelope = { from: address, to: [] };
          return reply("250 2.1.0 Ok");
        case "RCPT":
          if (!envelope) return reply("503 5.5.1 need MAIL first");
          if (state.rejectRecipients.has(address)) return reply("550 5.1.1 mailbox unavailable");
          envelope.to.push(address);
          return reply("250 2.1.5 Ok");
        case "DATA":
          if (!envelope?.to.length) return reply("554 5.5.1 no valid recipients");
          data = [];
          return reply("354 End data with <CR><LF>.<CR><LF>");
        case "RSET":
          envelope = null;
          return reply("250 2.0.0 Ok");
        case "NOOP":
          return reply("250 2.0.0 Ok");
        case "QUIT":
          return void socket.end("221 2.0.0 Bye\r\n");
        default:
          return reply("502 5.5.2 command not recognized");
      }
    }

    reply("220 test.local ESMTP ready");
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (let eol = buffer.indexOf("\r\n"); eol !== -1; eol = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (data) {
          if (line !== ".") {
            data.push(line.startsWith("..") ? line.slice(1) : line); // dot-unstuffing
            continue;
          }
          state.received.push({
            from: envelope?.from ?? "",
            to: envelope?.to ?? [],
            ...parseMessage(data.join("\r\n")),
          });
          data = null;
          envelope = null;
          reply("250 2.0.0 Ok: queued");
          continue;
        }
        command(line);
      }
    });
  }

  const server: Server = createServer(session);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("SMTP test server has no port");
  state.url = `smtp://127.0.0.1:${address.port}`;
  return state;
}
