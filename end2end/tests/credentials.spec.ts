import { createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, artifact, call, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

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
  // Bulk revocation, by id and by filter: each credential is refused on its own.
  for (const selection of [{ Ids: [created.credential.id] }, { Filter: { query: { q: "looked at" }, confirm_count: 1 } }]) {
    const r = await viewer.request.post(`${kw.baseURL}/api/credentials/revoke_many`, { data: { selection } });
    const body = await r.json();
    expect(r.status() === 403 || (body.revoked.length === 0 && body.failed.every((f: { code: string }) => f.code === "FORBIDDEN")), JSON.stringify(body)).toBe(true);
    expect(body.revoked ?? [], "revoked by a viewer").toEqual([]);
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

/** A timestamp as the console writes it: `2026-11-23 17:36 UTC`. */
function utc(ts: number) {
  const iso = new Date(ts * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A holder's P-256 key pair; `jwk` is the public half, as the holder registers it. */
function holderKey() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  return { jwk, privateJwk: privateKey.export({ format: "jwk" }), privateKey };
}

/**
 * What the holder does with `secret_jwe`: ECDH-ES with the ephemeral key in
 * the header, the Concat KDF of RFC 7518 §4.6 (one SHA-256 round for
 * A256GCM), then AES-256-GCM with the header as additional data.
 */
function openJwe(jwe: string, privateKey: KeyObject) {
  const [header, encryptedKey, iv, ciphertext, tag] = jwe.split(".");
  expect(encryptedKey).toBe("");
  const protectedHeader = JSON.parse(Buffer.from(header, "base64url").toString());
  expect(protectedHeader).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM" });
  const z = diffieHellman({ privateKey, publicKey: createPublicKey({ key: protectedHeader.epk, format: "jwk" }) });
  const lengthPrefixed = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const otherInfo = Buffer.concat([lengthPrefixed(Buffer.from("A256GCM")), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(Buffer.alloc(0)), Buffer.from([0, 0, 1, 0])]);
  const cek = createHash("sha256").update(Buffer.from([0, 0, 0, 1])).update(z).update(otherInfo).digest();
  const decipher = createDecipheriv("aes-256-gcm", cek, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(header, "ascii"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString();
}

test("a rotation policy is set in the form, shown with its due date, switched to encrypted delivery; a bad holder key is refused inline", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const reader = await createViaConsole(page, { name: "policy reader", scopes: ["keys:read"] });
  const readPolicy = async (id: string) => {
    const res = await page.request.get(`${kw.baseURL}/v1/keys/${id}`, { headers: { Authorization: `Bearer ${reader.secret}` } });
    expect(res.status(), await res.text()).toBe(200);
    return res.json();
  };

  await openNewForm(page);
  const form = page.getByTestId("credential-form");
  await page.getByLabel("Name").fill("scheduled");
  await expect(page.getByLabel("Every", { exact: true })).toHaveCount(0);
  await page.getByLabel("Rotate on a schedule").check();
  await page.getByLabel("Every", { exact: true }).fill("30m");
  await expect(page.locator("#cred-rotation-every-error")).toContainText("Must be hours or days");
  await form.getByRole("button", { name: "30 days" }).click();
  await expect(page.getByLabel("Every", { exact: true })).toHaveValue("30d");
  await expect(form.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("#cred-rotation-every-error")).toBeEmpty();
  await expect(page.getByLabel("Grace period (hours)")).toHaveValue("24");
  await expect(page.getByLabel("Notify the holder (it rotates itself)")).toBeChecked();
  await page.getByLabel("Expire if not rotated within (days)").fill("400");
  await expect(page.locator("#cred-rotation-enforce-error")).toContainText("between 1 and 365");
  await page.getByLabel("Expire if not rotated within (days)").fill("7");
  await page.screenshot({ path: artifact("credential-rotation-form-light.png"), fullPage: true });
  await page.getByRole("button", { name: "Create credential" }).click();
  await expect(page.getByTestId("reveal")).toBeVisible();
  await page.getByLabel("I have copied and stored this secret").check();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("heading", { name: "scheduled" })).toBeVisible();
  const id = page.url().split("/").pop()!;

  const created = await readPolicy(id);
  expect(created.rotation).toEqual({ every: "30d", grace_seconds: 86400, delivery: "notify", enforce_after_days: 7 });
  expect(Math.abs(created.rotation_due_at - (created.created_at + 30 * 86400))).toBeLessThanOrEqual(2);
  await expect(page.getByTestId("rotation-summary")).toHaveText("Rotates every 30d · notify · grace 24 h");
  await expect(page.getByTestId("rotation-due")).toContainText(utc(created.rotation_due_at));
  await expect(page.getByTestId("rotation-policy")).toContainText("7 days after it was due, the credential expires");

  // To encrypted delivery: a private key and an RSA key are refused where they are typed.
  const { jwk, privateJwk } = holderKey();
  await page.getByTestId("edit").click();
  const edit = page.getByTestId("edit-form");
  await expect(edit.getByLabel("Rotate on a schedule")).toBeChecked();
  await expect(edit.getByLabel("Every", { exact: true })).toHaveValue("30d");
  await expect(edit.getByLabel("Expire if not rotated within (days)")).toHaveValue("7");
  await edit.getByLabel("Deliver encrypted to the holder's public key").check();
  await expect(edit.getByLabel("Expire if not rotated within (days)")).toHaveCount(0);
  const keyField = edit.getByLabel("Holder's public key (JWK)");
  const keyError = page.locator("#cred-rotation-holder-key-error");
  await keyField.fill(JSON.stringify(privateJwk));
  await expect(keyError).toContainText("private key");
  await expect(keyField).toHaveAttribute("aria-invalid", "true");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeVisible();
  await expect(keyError).toContainText("private key");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
  await keyField.fill(JSON.stringify(rsa));
  await expect(keyError).toContainText('"RSA" is not supported');
  await keyField.fill("{ not json");
  await expect(keyError).toContainText("not valid JSON");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeVisible();
  expect((await readPolicy(id)).rotation.delivery).toBe("notify");

  // The server refuses a private key too, whatever the page does.
  const sneaky = await page.request.post(`${kw.baseURL}/api/credentials/update`, {
    data: { id, patch: { rotation: { every: "30d", delivery: "encrypted", holder_key: privateJwk } } },
  });
  expect(sneaky.status()).toBeGreaterThanOrEqual(400);
  expect(sneaky.status()).toBeLessThan(500);
  expect((await readPolicy(id)).rotation.delivery).toBe("notify");

  await keyField.fill(JSON.stringify(jwk, null, 2));
  await expect(keyError).toBeEmpty();
  await expect(keyField).toHaveAttribute("aria-invalid", "false");
  await page.evaluate(() => document.documentElement.classList.add("dark"));
  await page.screenshot({ path: artifact("credential-rotation-edit-dark.png"), fullPage: true });
  await page.evaluate(() => document.documentElement.classList.remove("dark"));
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved scheduled.")).toBeVisible();
  const saved = await readPolicy(id);
  expect(saved.rotation).toEqual({ every: "30d", grace_seconds: 86400, delivery: "encrypted", holder_key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } });
  await expect(page.getByTestId("rotation-summary")).toHaveText("Rotates every 30d · encrypted to the holder's key · grace 24 h");

  // Switching the schedule off removes the policy.
  await page.getByTestId("edit").click();
  await page.getByTestId("edit-form").getByLabel("Rotate on a schedule").uncheck();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("edit-form")).toHaveCount(0);
  await expect(page.getByTestId("rotation-policy")).toContainText("No rotation policy");
  const removed = await readPolicy(id);
  expect(removed.rotation).toBeUndefined();
  expect(removed.rotation_due_at).toBeUndefined();
  await expect(page.getByTestId("rotate-by-policy")).toHaveCount(0);
  noErrors();
});

test("rotate now by policy needs an endpoint for key.rotated, then delivers the secret encrypted and the previous one keeps working", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const holder = holderKey();
  const created = await createViaConsole(page, {
    name: "delivered",
    rotation: { every: "90d", grace_seconds: 7200, delivery: "encrypted", holder_key: holder.jwk },
  });
  const id = created.credential.id;
  await page.goto(`${kw.baseURL}/credentials/${id}`);
  await hydrated(page);
  await expect(page.getByTestId("rotation-summary")).toHaveText("Rotates every 90d · encrypted to the holder's key · grace 2 h");
  await expect(page.getByTestId("rotation-due")).toContainText(utc(created.credential.rotation_due_at));

  // No endpoint receives key.rotated: nothing rotates, and the dialog says why.
  await page.getByTestId("rotate-by-policy").click();
  const dialog = page.getByRole("dialog", { name: "Rotate now by policy" });
  await expect(dialog).toContainText("sent encrypted to the holder's key");
  await expect(dialog).toContainText("keeps working for the grace period (2 h)");
  await dialog.getByRole("button", { name: "Rotate and deliver" }).click();
  await expect(dialog.getByTestId("rotate-by-policy-error")).toContainText("No working webhook endpoint of this account receives key.rotated");
  await expect(dialog.getByRole("link", { name: "Add a webhook endpoint" })).toBeVisible();
  await page.screenshot({ path: artifact("credential-rotate-by-policy-no-endpoint.png"), fullPage: true });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("previous-secret")).toHaveCount(0);
  expect((await verify(page, { key: created.secret })).code).toBe("VALID");

  // A receiver subscribed to key.rotated, as the holder would run.
  const bodies: string[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await call(page.request, kw, "webhooks/create", { input: { account: "default", url, events: ["key.rotated"] } });

    await page.getByTestId("rotate-by-policy").click();
    await expect(dialog.getByTestId("rotate-by-policy-error")).toHaveCount(0);
    await dialog.getByRole("button", { name: "Rotate and deliver" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("status").filter({ hasText: "delivered was rotated" })).toBeVisible();
    const panel = page.getByTestId("previous-secret");
    await expect(panel).toBeVisible();
    const after = await call(page.request, kw, "credentials/get", { id });
    await expect(panel).toContainText(`keeps working until ${utc(after.previous_secret.retires_at)}`);
    expect(after.previous_secret.retires_at - after.rotation_due_at + 90 * 86400).toBe(7200);
    await expect(page.getByTestId("rotation-due")).toContainText(utc(after.rotation_due_at));
    await expect(page.locator("tr[data-action='key.rotated']")).toHaveCount(1);
    // The console never sees the new secret.
    await expect(page.getByTestId("secret")).toHaveCount(0);

    // The holder opens the JWE from the webhook: the new secret works, and so
    // does the previous one for its grace period.
    await expect.poll(() => bodies.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const event = JSON.parse(bodies[0]);
    expect(event.type).toBe("key.rotated");
    const fresh = openJwe(event.data.secret_jwe, holder.privateKey);
    expect(fresh).toMatch(/^kw_prod_/);
    expect(fresh).not.toBe(created.secret);
    expect(await page.content()).not.toContain(fresh);
    expect((await verify(page, { key: fresh })).code).toBe("VALID");
    expect((await verify(page, { key: created.secret })).code).toBe("VALID");
    await page.screenshot({ path: artifact("credential-rotated-by-policy.png"), fullPage: true });
  } finally {
    receiver.close();
  }
  noErrors();
});
