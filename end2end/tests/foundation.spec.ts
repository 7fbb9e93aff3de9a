import { expect, test } from "@playwright/test";
import { PASSWORD, artifact, call, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

let kw: Keyward;
test.beforeEach(async () => {
  kw = await startKeyward();
});
test.afterEach(async () => {
  await kw.stop();
});

test("an admin sets Keyward up, adds a Global Viewer, who sees a read-only console, then signs out", async ({ page }) => {
  const noErrors = failOnPageErrors(page);

  // First run: the one-time link from the log.
  await page.goto(`${kw.baseURL}/setup?token=${kw.setupToken}`);
  await hydrated(page);
  await page.getByLabel("E-mail").fill("admin@example.com");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create Global Admin" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  // The link cannot be used again.
  await page.goto(`${kw.baseURL}/setup?token=${kw.setupToken}`);
  await expect(page.getByTestId("setup-done")).toBeVisible();

  // Create a Global Viewer.
  await page.goto(`${kw.baseURL}/users`);
  await hydrated(page);
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("E-mail").fill("viewer@example.com");
  await dialog.getByLabel("Temporary password").fill(PASSWORD);
  await dialog.getByRole("radio", { name: /Global Viewer/ }).check();
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator("tr", { hasText: "viewer@example.com" });
  await expect(row).toContainText("Global Viewer");

  // Sign out, and in again as the viewer.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, kw, "viewer@example.com");
  await expect(page.getByText("read-only")).toBeVisible();

  // No action buttons anywhere.
  await page.getByRole("link", { name: "Accounts" }).click();
  await expect(page.getByRole("link", { name: "default" })).toBeVisible();
  await expect(page.getByRole("button", { name: "New account" })).toHaveCount(0);
  await page.getByRole("link", { name: "default" }).click();
  await expect(page.getByRole("heading", { name: "default" })).toBeVisible();
  await expect(page.getByRole("switch")).toHaveCount(0);
  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.locator("tr", { hasText: "admin@example.com" })).toBeVisible();
  await expect(page.getByRole("button", { name: "New user" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Disable" })).toHaveCount(0);

  noErrors();

  // The server refuses the viewer's direct call, hidden button or not.
  const status = await page.evaluate(async () => {
    const res = await fetch("/api/accounts/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "sneaky", plan: "starter" }),
    });
    return res.status;
  });
  expect(status).toBe(403);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`${kw.baseURL}/users`);
  await expect(page).toHaveURL(/\/login\?next=%2Fusers|\/login\?next=\/users/);
});

test("an Account Viewer sees only the accounts they were given", async ({ page, request }) => {
  const noErrors = failOnPageErrors(page);
  await setupAdmin(request, kw);
  const acme = await call(request, kw, "accounts/create", { name: "acme", plan: "professional" });
  await call(request, kw, "accounts/create", { name: "globex", plan: "starter" });
  await call(request, kw, "users/create", {
    email: "av@example.com",
    password: PASSWORD,
    role: "account_viewer",
    all_accounts: false,
    accounts: [acme.id],
  });

  await signIn(page, kw, "av@example.com");
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
  await page.getByRole("link", { name: "Accounts" }).click();
  await expect(page.getByRole("link", { name: "acme" })).toBeVisible();
  await expect(page.getByRole("link", { name: "globex" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "default" })).toHaveCount(0);

  await page.goto(`${kw.baseURL}/accounts/globex`);
  await expect(page.getByText("Not found: account.")).toBeVisible();
  noErrors();
});

test("an admin flips Enable API with the keyboard and sees it in the audit log", async ({ page, request }) => {
  const noErrors = failOnPageErrors(page);
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
  await page.goto(`${kw.baseURL}/accounts/default`);
  await hydrated(page);
  await expect(page.getByText("a valid credential does not work while the API is disabled")).toBeVisible();
  const toggle = page.getByRole("switch", { name: "Enable API" });
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.focus();
  await page.keyboard.press("Space");
  await expect(page.getByRole("switch", { name: "Enable API" })).toHaveAttribute("aria-checked", "false");
  await expect(page.getByText("API disabled").first()).toBeVisible();

  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").selectOption("account.updated");
  await expect(page).toHaveURL(/action=account\.updated/);
  await expect(page.locator("tr[data-action='account.updated']")).toHaveCount(1);
  await page.reload();
  await expect(page.locator("tr[data-action='account.updated']")).toHaveCount(1);
  noErrors();
});

test("the dashboard fits a 390 px phone, in light and dark mode", async ({ page, request }) => {
  await setupAdmin(request, kw);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, kw, "admin@example.com");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: artifact("dashboard-phone-light.png"), fullPage: true });

  await page.getByRole("button", { name: "Open navigation" }).click();
  await expect(page.getByRole("link", { name: "Users" })).toBeVisible();
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("link", { name: "Users" })).toBeHidden();
  await page.screenshot({ path: artifact("dashboard-phone-dark.png"), fullPage: true });
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
});

test("unknown pages answer 404 with a way back", async ({ page }) => {
  const res = await page.goto(`${kw.baseURL}/no/such/page`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
