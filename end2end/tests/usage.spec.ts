import { expect, test } from "@playwright/test";
import { artifact, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

let kw: Keyward;
test.beforeEach(async ({ page, request }) => {
  kw = await startKeyward();
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
});
test.afterEach(async () => {
  await kw.stop();
});

test("the usage chart shows the calls just made, and its table view agrees", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const res = await page.request.post(`${kw.baseURL}/api/credentials/create`, {
    data: { input: { name: "charted", scopes: ["compute:read"] } },
  });
  expect(res.status()).toBe(200);
  const created = await res.json();
  const auth = (scopes: string) =>
    page.request.get(`${kw.baseURL}/v1/auth`, {
      headers: { authorization: `Bearer ${created.secret}`, "x-required-scopes": scopes },
    });
  for (let i = 0; i < 5; i++) expect((await auth("compute:read")).status()).toBe(200);
  for (let i = 0; i < 2; i++) expect((await auth("billing:write")).status()).toBe(403);

  // Counts reach SQLite with the next flush (every 5 s).
  const chart = page.getByTestId("usage-chart");
  await expect(async () => {
    await page.goto(`${kw.baseURL}/credentials/${created.credential.id}`);
    await expect(chart).toHaveAttribute("data-total", "7", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(page);
  await expect(chart.locator("g[data-bar='7']")).toHaveCount(1);
  await expect(chart.locator("g[data-bar='7'] title")).toContainText("5 valid, 0 rate-limited, 2 refused");

  await page.getByText("Table view").click();
  const rows = chart.locator("tr[data-usage-row]");
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator("td")).toHaveText([/\d\d:00/, "5", "0", "2"]);
  await chart.screenshot({ path: artifact("credential-usage-chart.png") });

  // The 30-day view counts the same calls by day.
  await page.getByRole("button", { name: "30 days" }).click();
  await expect(page.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");
  await expect(chart).toHaveAttribute("data-total", "7");
  noErrors();
});
