import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER, clientIpOf } from "../src/client-ip.ts";

const request = (headers: Record<string, string>, remoteAddress = "10.0.0.5") =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("clientIpOf", () => {
  it("takes the gateway's header only from a credentialed caller", () => {
    expect(clientIpOf(request({ [CLIENT_IP_HEADER]: "203.0.113.9" }), true)).toBe("203.0.113.9");
    expect(clientIpOf(request({ [CLIENT_IP_HEADER]: "203.0.113.9" }), false)).toBe("10.0.0.5");
  });

  it("falls back to the peer for a missing, empty or oversized header", () => {
    expect(clientIpOf(request({}), true)).toBe("10.0.0.5");
    expect(clientIpOf(request({ [CLIENT_IP_HEADER]: "" }), true)).toBe("10.0.0.5");
    expect(clientIpOf(request({ [CLIENT_IP_HEADER]: "x".repeat(65) }), true)).toBe("10.0.0.5");
  });
});
