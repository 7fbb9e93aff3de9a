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

test("the dashboard charts the install's traffic, ranks credentials and refusals, and filters by account", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  for (const name of ["acme", "globex"]) {
    const res = await page.request.post(`${kw.baseURL}/api/accounts/create`, { data: { name, plan: "starter" } });
    expect(res.status()).toBe(200);
  }
  const key = async (name: string, account: string) => {
    const res = await page.request.post(`${kw.baseURL}/api/credentials/create`, {
      data: { input: { name, account, scopes: ["compute:read"] } },
    });
    expect(res.status()).toBe(200);
    return res.json();
  };
  const busy = await key("busy", "acme");
  const quiet = await key("quiet", "globex");
  const auth = (secret: string, scopes: string) =>
    page.request.get(`${kw.baseURL}/v1/auth`, {
      headers: { authorization: `Bearer ${secret}`, "x-required-scopes": scopes },
    });
  for (let i = 0; i < 4; i++) expect((await auth(busy.secret, "compute:read")).status()).toBe(200);
  for (let i = 0; i < 3; i++) expect((await auth(busy.secret, "billing:write")).status()).toBe(403);
  expect((await auth(quiet.secret, "compute:read")).status()).toBe(200);

  const traffic = page.getByTestId("traffic");
  await expect(async () => {
    await page.goto(`${kw.baseURL}/`);
    await expect(traffic.getByTestId("usage-chart")).toHaveAttribute("data-total", "8", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(page);
  const top = traffic.getByTestId("top-credentials").locator("tr[data-credential]");
  await expect(top).toHaveCount(2);
  await expect(top.first()).toHaveAttribute("data-credential", busy.credential.id);
  await expect(top.first().locator("td").nth(1)).toHaveText("7");
  await expect(traffic.getByTestId("refusals").locator("li")).toHaveText([/INSUFFICIENT_SCOPE.*scopes do not cover.*3/]);
  await traffic.screenshot({ path: artifact("dashboard-traffic.png") });

  // One account, then the 24-hour view, both kept in the address.
  await page.getByLabel("Account").selectOption("globex");
  await expect(page).toHaveURL(/account=globex/);
  await expect(traffic.getByTestId("usage-chart")).toHaveAttribute("data-total", "1");
  await expect(top).toHaveCount(1);
  await traffic.getByRole("link", { name: "24 h" }).click();
  await expect(page).toHaveURL(/account=globex&days=1/);
  await expect(traffic.getByRole("link", { name: "24 h" })).toHaveAttribute("aria-current", "true");
  await expect(traffic.getByTestId("usage-chart")).toHaveAttribute("data-total", "1");
  noErrors();
});
