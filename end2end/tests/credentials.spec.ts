import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, artifact, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

let kw: Keyward;
test.beforeEach(async ({ page, request }) => {
  kw = await startKeyward();
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
});
test.afterEach(async () => {
  await kw.stop();
});

async function verify(page: Page, body: Record<string, unknown>) {
  const res = await page.request.post(`${kw.baseURL}/v1/keys/verify`, { data: body });
  expect(res.status()).toBe(200);
  return res.json();
}

/** Creates a credential through the console's own server function. */
async function createViaConsole(page: Page, input: Record<string, unknown>) {
  const res = await page.request.post(`${kw.baseURL}/api/credentials/create`, { data: { input } });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

async function openNewForm(page: Page) {
  await page.goto(`${kw.baseURL}/credentials/new`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "New credential" })).toBeVisible();
}

test("an API key is created, revealed once with working copy and samples, verifies, and is gone on reload", async ({ page, context }) => {
  const noErrors = failOnPageErrors(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: kw.baseURL });
  await page.goto(`${kw.baseURL}/credentials`);
  await hydrated(page);
  await expect(page.getByText("No credentials yet")).toBeVisible();
  await page.getByRole("link", { name: "Create your first credential" }).click();
  await expect(page.getByRole("heading", { name: "New credential" })).toBeVisible();

  await page.getByLabel("Name").fill("Production Backend");
  await page.getByLabel("Description").fill("The billing service");
  await page.getByLabel("compute", { exact: true }).selectOption("read");
  await page.getByLabel("keys", { exact: true }).selectOption("write");
  await page.screenshot({ path: artifact("credential-create-light.png"), fullPage: true });
  await page.getByRole("button", { name: "Create credential" }).click();

  const reveal = page.getByTestId("reveal");
  await expect(reveal).toContainText("It will not be shown again");
  const secret = (await page.getByTestId("secret").textContent())!.trim();
  expect(secret).toMatch(/^kw_prod_[0-9A-Za-z]{36}$/);
  await page.getByRole("button", { name: "Copy secret" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await expect(page.getByTestId("code-sample")).toContainText(`${kw.baseURL}/v1/auth`);
  await expect(page.getByTestId("code-sample")).toContainText(secret);
  await page.getByRole("tab", { name: "Python" }).click();
  await expect(page.getByTestId("code-sample")).toContainText("import requests");
  await page.getByRole("tab", { name: "Node" }).click();
  await expect(page.getByTestId("code-sample")).toContainText("await fetch");
  await page.screenshot({ path: artifact("credential-reveal-light.png"), fullPage: true });

  const v = await verify(page, { key: secret, scopes: ["compute:read"] });
  expect(v.valid).toBe(true);

  // Done needs the acknowledgement, then leads to the detail page.
  await expect(page.getByRole("button", { name: "Done" })).toBeDisabled();
  await page.getByLabel("I have copied and stored this secret").check();
  await page.getByRole("button", { name: "Done" }).click();
  // The detail page's code arrives as its own chunk on first visit; the reveal
  // goes once it has replaced the form.
  await expect(page.getByTestId("reveal")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Production Backend" })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  // Back skips the form (the reveal replaced its history entry); reopening or
  // reloading the form never brings the secret back.
  await page.goBack();
  await expect(page).toHaveURL(`${kw.baseURL}/credentials`);
  expect(await page.content()).not.toContain(secret);
  await openNewForm(page);
  await page.reload();
  await expect(page.getByRole("heading", { name: "New credential" })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  noErrors();
});

test("Basic and OAuth clients are created in the form, with Basic's rules enforced inline", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await openNewForm(page);
  await page.getByLabel("Name").fill("Partner Basic");
  await page.getByLabel("Kind").selectOption("basic");
  const expiry = page.getByLabel("Expires");
  await expect(expiry.locator("option", { hasText: "6 months" })).toHaveCount(0);
  await expect(expiry).toHaveValue("1mo");
  await page.getByRole("button", { name: "Create credential" }).click();
  await expect(page.getByText("A Basic credential needs at least one allowed IP range").first()).toBeVisible();
  await expect(page.getByTestId("reveal")).toHaveCount(0);

  await page.getByRole("button", { name: "Add IP range" }).click();
  await page.getByLabel("IP range 1", { exact: true }).fill("127.0.0.300/8");
  await expect(page.getByTestId("cidr-error").first()).toContainText("not an IP address or CIDR range");
  await page.getByLabel("IP range 1", { exact: true }).fill("127.0.0.0/8");
  await expect(page.getByTestId("cidr-error").first()).toHaveText("");
  await page.getByRole("button", { name: "Create credential" }).click();
  await expect(page.getByTestId("reveal")).toBeVisible();
  const id = (await page.getByTestId("client-id").textContent())!.trim();
  const secret = (await page.getByTestId("secret").textContent())!.trim();
  expect(id).toMatch(/^kwc_prod_/);
  expect(secret).toMatch(/^kws_prod_/);
  expect((await verify(page, { client_id: id, key: secret })).valid).toBe(true);
  const auth = await page.request.get(`${kw.baseURL}/v1/auth`, {
    headers: { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` },
  });
  expect(auth.status()).toBe(200);
  await expect(page.getByTestId("code-sample")).toContainText("-u");

  await openNewForm(page);
  await page.getByLabel("Name").fill("CI OAuth client");
  await page.getByLabel("Kind").selectOption("oauth_client");
  await page.getByLabel("Environment").selectOption("stg");
  await page.getByRole("button", { name: "Create credential" }).click();
  await expect(page.getByTestId("reveal")).toBeVisible();
  const cid = (await page.getByTestId("client-id").textContent())!.trim();
  const csecret = (await page.getByTestId("secret").textContent())!.trim();
  expect(cid).toMatch(/^kwc_stg_/);
  await expect(page.getByTestId("code-sample")).toContainText("/oauth/token");
  expect((await verify(page, { client_id: cid, key: csecret })).valid).toBe(true);
  noErrors();
});

test("scopes and CIDRs are edited; a bad CIDR is caught inline and by the server", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const created = await createViaConsole(page, { name: "editable", scopes: ["compute:read"] });
  await page.goto(`${kw.baseURL}/credentials/${created.credential.id}`);
  await hydrated(page);
  await page.getByTestId("edit").click();
  await page.getByLabel("storage", { exact: true }).selectOption("write");
  await page.getByRole("button", { name: "Add IP range" }).click();
  await page.getByLabel("IP range 1", { exact: true }).fill("10.0.0.1/8");
  await expect(page.getByTestId("cidr-error").first()).toContainText("did you mean 10.0.0.0/8");
  await page.getByLabel("Rate limit").fill("lots");
  await expect(page.locator("#cred-rate-limit-error")).toContainText("LIMIT/WINDOW_SECONDS");
  await page.getByLabel("Rate limit").fill("120/60,10");
  await expect(page.locator("#cred-rate-limit-error")).toBeEmpty();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("edit-form")).toBeVisible();
  await page.getByLabel("IP range 1", { exact: true }).fill("10.0.0.0/8");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved editable.")).toBeVisible();
  await expect(page.getByText("storage:write")).toBeVisible();
  await expect(page.getByText("10.0.0.0/8")).toBeVisible();
  await expect(page.getByText("120 requests per 60 s, bursts of 10 (its own setting)")).toBeVisible();
  const v = await verify(page, { key: created.secret, ip: "10.2.3.4", scopes: ["storage:read"] });
  expect(v.code).toBe("VALID");
  expect((await verify(page, { key: created.secret, ip: "192.0.2.1" })).code).toBe("IP_NOT_ALLOWED");

  // The server enforces the same rule.
  const res = await page.request.post(`${kw.baseURL}/api/credentials/update`, {
    data: { id: created.credential.id, patch: { allowed_cidrs: ["10.0.0.300/8"] } },
  });
  expect(res.status()).toBe(422);
  expect((await res.json()).Invalid.field).toBe("allowed_cidrs");
  await page.screenshot({ path: artifact("credential-detail-light.png"), fullPage: true });
  noErrors();
});

test("during a grace period the page shows the previous secret's last use, and ends it now", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const created = await createViaConsole(page, { name: "graceful" });
  const rotated = await page.request.post(`${kw.baseURL}/api/credentials/rotate`, {
    data: { id: created.credential.id, grace_period_seconds: 86400 },
  });
  expect(rotated.status()).toBe(200);
  const fresh = (await rotated.json()).secret;
  expect((await verify(page, { key: created.secret, ip: "203.0.113.7" })).code).toBe("VALID");
  await page.goto(`${kw.baseURL}/credentials/${created.credential.id}`);
  await hydrated(page);
  const panel = page.getByTestId("previous-secret");
  await expect(panel).toBeVisible();
  // Last-used times are flushed every few seconds: reload until it shows.
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId("previous-last-used")).toContainText("203.0.113.7", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.screenshot({ path: artifact("credential-previous-secret-light.png"), fullPage: true });
  await page.getByTestId("end-grace").click();
  await expect(page.getByTestId("previous-secret")).toHaveCount(0);
  expect((await verify(page, { key: created.secret })).code).toBe("NOT_FOUND");
  expect((await verify(page, { key: fresh })).code).toBe("VALID");
  noErrors();
});

test("rotating with a 1 hour grace keeps both secrets; revoking refuses both", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const created = await createViaConsole(page, { name: "rotating" });
  await page.goto(`${kw.baseURL}/credentials/${created.credential.id}`);
  await hydrated(page);
  await page.getByTestId("rotate").click();
  const dialog = page.getByRole("dialog", { name: "Rotate the secret" });
  await dialog.getByLabel("1 hour").check();
  await dialog.getByRole("button", { name: "Rotate" }).click();
  const fresh = (await dialog.getByTestId("secret").textContent())!.trim();
  expect(fresh).not.toBe(created.secret);
  expect((await verify(page, { key: created.secret })).code).toBe("VALID");
  expect((await verify(page, { key: fresh })).code).toBe("VALID");
  await dialog.getByLabel("I have copied and stored this secret").check();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator("tr[data-action='key.rotated']")).toHaveCount(1);

  await page.getByTestId("revoke").click();
  const revoke = page.getByRole("dialog", { name: "Revoke this credential" });
  await expect(revoke.getByRole("button", { name: "Revoke" })).toBeDisabled();
  await revoke.getByLabel("Type rotating to confirm").fill("rotatin");
  await expect(revoke.getByRole("button", { name: "Revoke" })).toBeDisabled();
  await revoke.getByLabel("Type rotating to confirm").fill("rotating");
  await revoke.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("rotating revoked.")).toBeVisible();
  await expect(page.getByText("Revoked", { exact: true }).first()).toBeVisible();
  expect((await verify(page, { key: created.secret })).code).toBe("REVOKED");
  expect((await verify(page, { key: fresh })).code).toBe("REVOKED");
  await expect(page.getByTestId("rotate")).toHaveCount(0);
  noErrors();
});

test("turning the account's API off makes verify say API_DISABLED, and back on", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const created = await createViaConsole(page, { name: "switch" });
  await page.goto(`${kw.baseURL}/accounts/default`);
  await hydrated(page);
  await page.getByRole("switch", { name: "Enable API" }).click();
  await expect(page.getByRole("switch", { name: "Enable API" })).toHaveAttribute("aria-checked", "false");
  expect((await verify(page, { key: created.secret })).code).toBe("API_DISABLED");
  await page.getByRole("switch", { name: "Enable API" }).click();
  await expect(page.getByRole("switch", { name: "Enable API" })).toHaveAttribute("aria-checked", "true");
  expect((await verify(page, { key: created.secret })).code).toBe("VALID");
  noErrors();
});

test("a viewer sees credentials without action buttons and the server refuses their calls", async ({ page, browser }) => {
  const created = await createViaConsole(page, { name: "looked at" });
  const res = await page.request.post(`${kw.baseURL}/api/users/create`, {
    data: { email: "viewer@example.com", password: PASSWORD, role: "global_viewer", all_accounts: false, accounts: [] },
  });
  expect(res.status()).toBe(200);
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  const noErrors = failOnPageErrors(viewer);
  await signIn(viewer, kw, "viewer@example.com");
  await viewer.goto(`${kw.baseURL}/credentials`);
  await hydrated(viewer);
  await expect(viewer.locator("tr[data-credential='looked at']")).toBeVisible();
  await expect(viewer.getByRole("link", { name: "New credential" })).toHaveCount(0);
  await viewer.goto(`${kw.baseURL}/credentials/${created.credential.id}`);
  await hydrated(viewer);
  await expect(viewer.getByRole("heading", { name: "looked at" })).toBeVisible();
  for (const id of ["edit", "rotate", "revoke"]) await expect(viewer.getByTestId(id)).toHaveCount(0);
  noErrors();
  for (const [fn, data] of [
    ["credentials/create", { input: { name: "sneaky" } }],
    ["credentials/update", { id: created.credential.id, patch: { description: "x" } }],
    ["credentials/rotate", { id: created.credential.id, grace_period_seconds: 0 }],
    ["credentials/revoke", { id: created.credential.id, confirm_name: "looked at" }],
  ] as const) {
    const r = await viewer.request.post(`${kw.baseURL}/api/${fn}`, { data });
    expect(r.status(), fn).toBe(403);
  }
  expect((await verify(page, { key: created.secret })).code).toBe("VALID");
  await viewerContext.close();
});

test("filters and search narrow the list, and 250 credentials page through", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  for (let i = 0; i < 250; i++) {
    const kind = i % 25 === 0 ? "oauth_client" : "api_key";
    await createViaConsole(page, { name: `svc-${String(i).padStart(3, "0")}`, kind, environment: i % 2 ? "dev" : "prod" });
  }
  await page.goto(`${kw.baseURL}/credentials`);
  await hydrated(page);
  let seen = 0;
  const names = new Set<string>();
  for (;;) {
    const rows = page.locator("tr[data-credential]");
    await expect(rows.first()).toBeVisible();
    const batch = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute("data-credential")!));
    batch.forEach((n) => names.add(n));
    seen += batch.length;
    const next = page.getByTestId("next-page");
    if ((await next.count()) === 0) break;
    const before = batch[0];
    await next.click();
    await expect(rows.first()).not.toHaveAttribute("data-credential", before);
  }
  expect(seen).toBe(250);
  expect(names.size).toBe(250);

  await page.getByLabel("Kind").selectOption("oauth_client");
  await expect(page).toHaveURL(/kind=oauth_client/);
  await expect(page.locator("tr[data-credential]")).toHaveCount(10);
  await page.getByLabel("Environment").selectOption("dev");
  await expect(page).toHaveURL(/environment=dev/);
  await expect(page.locator("tr[data-credential]")).toHaveCount(5);
  await page.reload();
  await expect(page.locator("tr[data-credential]")).toHaveCount(5);
  await expect(page.getByLabel("Kind")).toHaveValue("oauth_client");

  await page.goto(`${kw.baseURL}/credentials`);
  await hydrated(page);
  await page.getByLabel("Search").fill("svc-24");
  await page.getByLabel("Search").press("Enter");
  await expect(page).toHaveURL(/q=svc-24/);
  await expect(page.locator("tr[data-credential]")).toHaveCount(10);
  await page.getByLabel("Status").selectOption("revoked");
  await expect(page.getByText("No credentials match")).toBeVisible();
  await page.screenshot({ path: artifact("credentials-list-empty-filter.png") });
  noErrors();
});

test("screenshots of the list, the form, the reveal panel and the detail page in dark mode and at phone size", async ({ page }) => {
  for (let i = 0; i < 6; i++) {
    await createViaConsole(page, { name: `Service ${i}`, scopes: ["compute:read", "storage:write"], roles: i === 0 ? ["global_viewer"] : [] });
  }
  const one = await createViaConsole(page, { name: "Shown", scopes: ["network:admin"], allowed_cidrs: ["203.0.113.0/24"] });
  for (const [mode, width] of [
    ["dark", 1280],
    ["phone", 390],
    ["light", 1280],
  ] as const) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.goto(`${kw.baseURL}/credentials`);
    await hydrated(page);
    const dark = mode === "dark";
    await page.evaluate((d) => {
      localStorage.setItem("kw-theme", d ? "dark" : "light");
      document.documentElement.classList.toggle("dark", d);
    }, dark);
    await page.screenshot({ path: artifact(`credentials-list-${mode}.png`), fullPage: true });
    if (mode === "phone") {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }
    await page.goto(`${kw.baseURL}/credentials/${one.credential.id}`);
    await hydrated(page);
    await page.screenshot({ path: artifact(`credential-detail-${mode}.png`), fullPage: true });
    await openNewForm(page);
    await page.screenshot({ path: artifact(`credential-create-${mode}.png`), fullPage: true });
    await page.getByLabel("Name").fill(`Reveal ${mode}`);
    await page.getByRole("button", { name: "Create credential" }).click();
    await expect(page.getByTestId("reveal")).toBeVisible();
    await page.screenshot({ path: artifact(`credential-reveal-${mode}.png`), fullPage: true });
  }
});
