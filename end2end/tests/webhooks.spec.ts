import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { artifact, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

/** What a receiver does (and what the README shows): HMAC-SHA256 over `t.body`, compared in constant time. */
function verify(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Received {
  eventId: string;
  type: string;
  body: string;
  signature: string;
}

let kw: Keyward;
let receiver: Server;
let received: Received[];
let url: string;

test.beforeEach(async ({ page, request }) => {
  received = [];
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({
        eventId: String(req.headers["keyward-event-id"]),
        type: String(req.headers["keyward-event-type"]),
        body,
        signature: String(req.headers["keyward-signature"]),
      });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  kw = await startKeyward();
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
});
test.afterEach(async () => {
  await kw.stop();
  receiver.close();
});

test("an admin adds an endpoint, sends a test event, sees it delivered in the log, and replays it", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/webhooks`);
  await hydrated(page);
  await expect(page.getByText("No endpoints yet")).toBeVisible();
  await page.getByTestId("new-webhook").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: "URL" }).fill(url);
  await expect(dialog.getByRole("checkbox", { name: /key\.expiring/ })).toBeChecked();
  await dialog.getByRole("checkbox", { name: /key\.created/ }).check();
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  const secret = (await dialog.getByTestId("secret").textContent())!.trim();
  expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  const row = page.locator("tr[data-webhook]");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("key.created");
  await expect(row).toContainText("Healthy");
  await row.getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Webhook endpoint" })).toBeVisible();
  await hydrated(page);
  await page.getByTestId("send-test").click();

  // The worker sends within a second; the log refreshes itself meanwhile.
  const deliveries = page.locator("tr[data-delivery]");
  await expect(deliveries.first()).toHaveAttribute("data-status", "delivered", { timeout: 15_000 });
  await expect(deliveries.first()).toContainText("webhook.test");
  await expect(deliveries.first()).toContainText("HTTP 200");
  expect(received).toHaveLength(1);
  expect(received[0].type).toBe("webhook.test");
  expect(verify(secret, received[0].signature, received[0].body)).toBe(true);
  expect(verify("whsec_wrong", received[0].signature, received[0].body)).toBe(false);
  const eventId = received[0].eventId;
  await expect(deliveries.first()).toHaveAttribute("data-event", eventId);
  await page.locator("main").screenshot({ path: artifact("webhook-deliveries.png") });

  await deliveries.first().getByRole("button", { name: "Replay" }).click();
  await expect(deliveries).toHaveCount(2);
  await expect(deliveries.first()).toHaveAttribute("data-status", "delivered", { timeout: 15_000 });
  await expect(deliveries.first()).toHaveAttribute("data-event", eventId);
  expect(received.map((r) => r.eventId)).toEqual([eventId, eventId]);
  noErrors();
});

test("the SMTP settings save, keep the password secret, and report a failed test e-mail", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/settings`);
  await hydrated(page);
  await expect(page.getByText("No notice has been e-mailed yet.")).toBeVisible();
  const form = page.getByTestId("smtp-form");
  await form.getByLabel("Host").fill("127.0.0.1");
  await form.getByLabel("Port").fill("9");
  await form.getByLabel("Security").selectOption("none");
  await form.getByLabel("Password").fill("hunter2-smtp");
  await form.getByLabel("From").fill("Keyward <keyward@example.com>");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("SMTP settings saved.")).toBeVisible();
  await expect(page.getByText("A password is stored. Leave empty to keep it.")).toBeVisible();
  await expect(form.getByLabel("Password")).toHaveValue("");

  // Nothing listens on port 9: the failure is reported, not swallowed.
  await page.getByLabel("Send a test e-mail to").fill("ops@example.com");
  await page.getByRole("button", { name: "Send test e-mail" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "SMTP" })).toBeVisible({ timeout: 15_000 });
  const html = await (await page.request.get(`${kw.baseURL}/settings`)).text();
  expect(html).not.toContain("hunter2-smtp");
  noErrors();
});
