import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, type EventEnvelope } from "@shopgraph/events";
import { seedCustomer } from "@shopgraph/fixtures";
import { testLogger } from "@shopgraph/testing";
import { createSmtpEmailTransport } from "../src/domain/smtp-transport.ts";
import { startTestNotifications, waitFor } from "./harness.ts";
import { startSmtpServer, type TestSmtpServer } from "./smtp-server.ts";

// Email over SMTP for real: nodemailer talking to an SMTP server on an ephemeral port.
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp?.close());

const message = {
  from: "Shopgraph <no-reply@shopgraph.dev>",
  to: "casey@example.com",
  subject: "Order SG-000042 was cancelled",
  text: "Any payment of €5.00 is refunded.\n\n— The Shopgraph team",
};

describe("SMTP email transport", () => {
  it("hands the message to the SMTP server: envelope, headers and a body that decodes to the text", async () => {
    smtp.mode = "accept";
    const before = smtp.received.length;
    await createSmtpEmailTransport({ url: smtp.url, logger: testLogger() }).send(message);
    expect(smtp.received.slice(before)).toEqual([
      expect.objectContaining({ from: "no-reply@shopgraph.dev", to: ["casey@example.com"], text: message.text }),
    ]);
    expect(smtp.received.at(-1)?.headers).toMatchObject({
      from: "Shopgraph <no-reply@shopgraph.dev>",
      to: "casey@example.com",
      subject: "Order SG-000042 was cancelled",
    });
  });

  it.each([
    ["answers 421 and hangs up", "greet-421", /^SMTP 421 .*421 4\.3\.2/],
    ["drops the connection", "drop", /^SMTP E[A-Z]+: /],
  ] as const)("rejects when the server %s, saying why", async (_how, mode, error) => {
    smtp.mode = mode;
    const before = smtp.received.length;
    await expect(createSmtpEmailTransport({ url: smtp.url, logger: testLogger() }).send(message)).rejects.toThrow(
      error,
    );
    expect(smtp.received.length).toBe(before);
    smtp.mode = "accept";
  });

  it("rejects when the server refuses the recipient (550)", async () => {
    smtp.rejectRecipients.add("gone@example.com");
    await expect(
      createSmtpEmailTransport({ url: smtp.url, logger: testLogger() }).send({ ...message, to: "gone@example.com" }),
    ).rejects.toThrow(/^SMTP 550 .*mailbox unavailable/);
  });

  it("rejects when nothing listens on the port", async () => {
    const closed = await startSmtpServer();
    await closed.close();
    await expect(createSmtpEmailTransport({ url: closed.url, logger: testLogger() }).send(message)).rejects.toThrow(
      /^SMTP .*ECONNREFUSED|^SMTP ECONNECTION/,
    );
  });
});

describe("the notifications subgraph with SMTP_URL", () => {
  let sg: Awaited<ReturnType<typeof startTestNotifications>>;
  beforeAll(async () => {
    // Embedded mode (events pushed to POST /events); short delivery backoff so the outage is brief.
    sg = await startTestNotifications({
      env: {
        SMTP_URL: smtp.url,
        DELIVERY_RETRY_BASE_MS: "100",
        DELIVERY_MAX_ATTEMPTS: "8",
        STOREFRONT_URL: "https://shop.example.com/",
      },
    });
  });
  afterAll(() => sg?.close());

  const push = async (event: EventEnvelope) => {
    const res = await fetch(`${sg.url}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-service-token": sg.config.SERVICE_TOKEN },
      body: JSON.stringify({ events: [event] }),
    });
    expect(res.status).toBe(200);
  };
  const order = (type: string, extra: Record<string, unknown> = {}) =>
    createEnvelope(type, {
      orderId: randomUUID(),
      number: 77,
      customerId: seedCustomer.id,
      status: "SHIPPED",
      total: { amount: "12.50", currencyCode: "GBP" },
      ...extra,
    });
  const mailsTo = (subject: string) => smtp.received.filter((m) => m.headers.subject === subject);

  it("sends an event's email through the SMTP server and records the delivery SENT", async () => {
    smtp.mode = "accept";
    const event = order("order.shipped", { trackingNumber: "1Z999AA10123456784" });
    await push(event);
    const sent = await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: event.id, status: "SENT" } }),
      "delivery sent",
    );
    expect(sent).toMatchObject({ channel: "EMAIL", recipient: seedCustomer.email, attempts: 1, lastError: null });
    const [mail, ...more] = mailsTo("Order SG-000077 has shipped");
    expect(more).toEqual([]);
    expect(mail).toMatchObject({ from: "no-reply@shopgraph.dev", to: [seedCustomer.email] });
    expect(mail?.text).toContain(
      "Good news: order SG-000077 (£12.50) is on its way. Tracking number: 1Z999AA10123456784.",
    );
    expect(mail?.text).toContain(
      `View your order: https://shop.example.com/orders/${(event.payload as { orderId: string }).orderId}`,
    );
  });

  it("rides out an SMTP outage: deliveries fail and back off while it refuses or drops connections, then go out once", async () => {
    smtp.mode = "greet-421";
    const event = order("order.delivered", { status: "DELIVERED" });
    const connectionsBefore = smtp.connections;
    await push(event);
    const delivery = async () =>
      (await sg.db.delivery.findFirst({ where: { eventId: event.id } })) ?? { status: "NOT_YET", attempts: 0 };
    const refused = await waitFor(async () => {
      const d = await delivery();
      return d.status === "FAILED" && d.attempts >= 2 ? d : null;
    }, "two refused attempts");
    expect(refused).toMatchObject({
      lastError: expect.stringMatching(/^Error: SMTP 421 EPROTOCOL: /),
      nextAttemptAt: expect.any(Date),
      sentAt: null,
    });
    smtp.mode = "drop";
    const dropped = await waitFor(async () => {
      const d = await delivery();
      return d.status === "FAILED" && d.attempts > refused.attempts ? d : null;
    }, "an attempt on a dropped connection");
    expect(dropped.lastError).toMatch(/^Error: SMTP E[A-Z]+: /);
    expect(mailsTo("Order SG-000077 was delivered")).toEqual([]);

    smtp.mode = "accept";
    const sent = await waitFor(async () => {
      const d = await delivery();
      return d.status === "SENT" ? d : null;
    }, "sent after the server recovered");
    expect(sent).toMatchObject({ lastError: null, nextAttemptAt: null, sentAt: expect.any(Date) });
    expect(sent.attempts).toBeGreaterThan(dropped.attempts);
    expect(sent.attempts).toBeLessThanOrEqual(8);
    // Every failed attempt really reached the server; exactly one message was accepted.
    expect(smtp.connections - connectionsBefore).toBeGreaterThanOrEqual(sent.attempts);
    expect(mailsTo("Order SG-000077 was delivered")).toHaveLength(1);
  });
});
