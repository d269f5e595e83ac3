import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../src/client-address.ts";

const req = (xff?: string) =>
  ({
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
    socket: { remoteAddress: "10.0.0.2" },
  }) as unknown as IncomingMessage;

describe("clientAddress", () => {
  it("is the socket peer unless a proxy is trusted", () => {
    expect(clientAddress(req("203.0.113.9"), false)).toBe("10.0.0.2");
    expect(clientAddress(req(), true)).toBe("10.0.0.2");
  });

  it("takes the entry the trusted proxy appended, never a client-written one on its left", () => {
    expect(clientAddress(req("203.0.113.9"), true)).toBe("203.0.113.9");
    // The client sent "x-forwarded-for: 1.2.3.4"; the proxy appended the real address.
    expect(clientAddress(req("1.2.3.4, 203.0.113.9"), true)).toBe("203.0.113.9");
    expect(clientAddress(req("6.6.6.6, 1.2.3.4,203.0.113.9"), true)).toBe("203.0.113.9");
  });

  it("counts TRUSTED_PROXY_HOPS from the right (CDN → load balancer → gateway)", () => {
    expect(clientAddress(req("1.2.3.4, 203.0.113.9, 198.51.100.7"), true, 2)).toBe("203.0.113.9");
    expect(clientAddress(req("203.0.113.9"), true, 2)).toBe("203.0.113.9");
    expect(clientAddress(req(" , "), true)).toBe("10.0.0.2");
  });
});
