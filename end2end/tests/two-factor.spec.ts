import { expect, test, type Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { PASSWORD, call, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

/**
 * Two-factor sign-in in a real browser, with codes from the independent
 * `otpauth` package (not Keyward's own TOTP code), as an authenticator app
 * would make them.
 */

let kw: Keyward;
test.beforeEach(async () => {
  kw = await startKeyward();
});
test.afterEach(async () => {
  await kw.stop();
});
// A code is accepted once per 30-second step, so some steps wait for the next one.
test.setTimeout(180_000);

/** An authenticator app for the key shown while enrolling. */
function app(secret: string) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
}

/** A code from a step later than any this key used so far (Keyward accepts each step once per user). */
const lastStep = new Map<string, number>();
async function freshCode(totp: OTPAuth.TOTP) {
  const key = totp.secret.base32;
  const step = () => Math.floor(Date.now() / 30_000);
  while (step() <= (lastStep.get(key) ?? -1)) {
    await new Promise((r) => setTimeout(r, 500));
  }
  lastStep.set(key, step());
  return totp.generate();
}

/** Enrols from the page it is on (the account page or the forced setup); answers the app and the recovery codes. */
async function enrol(page: Page) {
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(page.getByRole("img", { name: "QR code of the two-factor key" }).locator("svg")).toBeVisible();
  const totp = app((await page.getByTestId("enrol-secret").textContent())!.trim());
  const code = page.getByLabel("Code from the app");
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await expect(code).toHaveAttribute("inputmode", "numeric");
  await code.fill(await freshCode(totp));
  await page.getByRole("button", { name: "Turn on" }).click();
  const list = page.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const codes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  await page.getByRole("button", { name: "I have saved them" }).click();
  return { totp, codes };
}

/** The password step; the console answers with the code step. */
async function password(page: Page, email: string) {
  await page.goto(`${kw.baseURL}/login`);
  await hydrated(page);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-factor sign-in" })).toBeVisible();
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

test("a user enrols, then signs in with a code from the app, and once with each recovery code", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await setupAdmin(page.request, kw);
  await page.goto(`${kw.baseURL}/`);
  await page.getByTestId("account-link").click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await hydrated(page);
  const { totp, codes } = await enrol(page);
  await expect(page.getByTestId("two-factor-on")).toContainText("10 of 10 recovery codes left");
  await signOut(page);

  // The password alone is not enough: a code from the app finishes it.
  await password(page, "admin@example.com");
  const code = page.getByLabel("Authentication code");
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await code.fill(await freshCode(totp));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await signOut(page);

  // A recovery code works once.
  await password(page, "admin@example.com");
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await signOut(page);
  await password(page, "admin@example.com");
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("sign-in-error")).toContainText("already used");
  await page.getByLabel("Recovery code").fill(codes[1]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.goto(`${kw.baseURL}/account`);
  await expect(page.getByTestId("two-factor-on")).toContainText("8 of 10 recovery codes left");
  noErrors();
});

test("wrong codes are refused, then throttled", async ({ page }) => {
  await setupAdmin(page.request, kw);
  await page.goto(`${kw.baseURL}/account`);
  await hydrated(page);
  const { totp } = await enrol(page);
  await signOut(page);
  await password(page, "admin@example.com");
  const right = totp.generate();
  const wrong = right === "000000" ? "111111" : "000000";
  for (let i = 0; i < 5; i++) {
    await page.getByLabel("Authentication code").fill(wrong);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByTestId("sign-in-error")).toContainText("not right");
    await expect(page.getByRole("button", { name: "Verify" })).toBeEnabled();
  }
  await page.getByLabel("Authentication code").fill(wrong);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("sign-in-error")).toContainText("Too many attempts");
  await expect(page).toHaveURL(/\/login\/two-factor/);
});

test("a policy requiring two-factor makes a user enrol before anything else", async ({ page, browser }) => {
  const noErrors = failOnPageErrors(page);
  await setupAdmin(page.request, kw);
  await call(page.request, kw, "users/create", {
    email: "viewer@example.com",
    password: PASSWORD,
    role: "global_viewer",
    all_accounts: true,
    accounts: [],
  });
  // The admin enrols first (the policy binds them too), then requires it of everyone.
  await page.goto(`${kw.baseURL}/account`);
  await hydrated(page);
  await enrol(page);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("radio", { name: "Required for every user" }).check();
  await expect(page.getByText("Two-factor sign-in: required for every user.")).toBeVisible();

  // The viewer signs in and lands on the setup, not the console.
  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(`${kw.baseURL}/login`);
  await hydrated(viewer);
  await viewer.getByLabel("E-mail").fill("viewer@example.com");
  await viewer.getByLabel("Password").fill(PASSWORD);
  await viewer.getByRole("button", { name: "Sign in" }).click();
  await expect(viewer.getByRole("heading", { name: "Set up two-factor sign-in" })).toBeVisible();
  await viewer.goto(`${kw.baseURL}/credentials`);
  await expect(viewer).toHaveURL(/\/two-factor\/setup$/);
  const refused = await viewer.request.post(`${kw.baseURL}/api/accounts/list`, { data: {} });
  expect(refused.status()).toBe(403);
  await hydrated(viewer);
  await enrol(viewer);
  await expect(viewer.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  // The admin resets the viewer's second factor from the Users page.
  await page.getByRole("link", { name: "Users" }).click();
  const row = page.locator("tr", { hasText: "viewer@example.com" });
  await expect(row).toContainText("2FA");
  await row.getByRole("button", { name: "Reset 2FA" }).click();
  await page.getByRole("dialog", { name: "Reset two-factor sign-in" }).getByRole("button", { name: "Reset" }).click();
  await expect(row).not.toContainText("2FA");
  await viewer.goto(`${kw.baseURL}/credentials`);
  await expect(viewer).toHaveURL(/\/login/);
  noErrors();
});

// Sign-in without two-factor still goes straight to the console.
test("a user without two-factor signs in with the password alone", async ({ page }) => {
  await setupAdmin(page.request, kw);
  await page.context().clearCookies();
  await signIn(page, kw, "admin@example.com");
});
