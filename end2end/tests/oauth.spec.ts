import { expect, test, type Page } from "@playwright/test";
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

async function verify(page: Page, key: string) {
  const res = await page.request.post(`${kw.baseURL}/v1/keys/verify`, { data: { key } });
  expect(res.status()).toBe(200);
  return res.json();
}

test("an OAuth client created in the console gets a real token from the Get a token panel", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/credentials/new`);
  await hydrated(page);
  await page.getByLabel("Name").fill("Reporting job");
  await page.getByLabel("Kind").selectOption("oauth_client");
  await page.getByLabel("compute", { exact: true }).selectOption("read");
  await page.getByLabel("keys", { exact: true }).selectOption("read");
  await page.getByLabel("Access-token lifetime (seconds)").fill("600");
  await page.getByRole("button", { name: "Create credential" }).click();

  const secret = (await page.getByTestId("secret").textContent())!.trim();
  expect(secret).toMatch(/^kws_prod_/);
  await page.getByLabel("I have copied and stored this secret").check();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("reveal")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Reporting job" })).toBeVisible();
  await hydrated(page);

  const panel = page.getByTestId("token-form");
  await expect(panel).toBeVisible();
  // A wrong secret shows the endpoint's RFC 6749 error.
  await page.getByLabel("Client secret").fill("kws_prod_wrong");
  await page.getByTestId("get-token").click();
  await expect(page.getByTestId("token-error")).toContainText("401 invalid_client");
  // A scope the client lacks is invalid_scope.
  await page.getByLabel("Client secret").fill(secret);
  await page.getByLabel("Scope").fill("keys:write");
  await page.getByTestId("get-token").click();
  await expect(page.getByTestId("token-error")).toContainText("400 invalid_scope");

  await page.getByLabel("Scope").fill("keys:read");
  await page.getByLabel("Scope").press("Enter");
  const result = page.getByTestId("token-result");
  await expect(result).toContainText("Expires in 600 s; scope: keys:read");
  await expect(page.getByTestId("token-header")).toContainText('"typ": "at+jwt"');
  await expect(page.getByTestId("token-header")).toContainText('"alg": "ES256"');
  const claims = JSON.parse((await page.getByTestId("token-claims").textContent())!);
  expect(claims.scope).toBe("keys:read");
  expect(claims.sub).toBe(claims.client_id);
  expect(claims.client_id).toMatch(/^kwc_prod_/);
  expect(claims.exp - claims.iat).toBe(600);
  await page.screenshot({ path: artifact("oauth-get-token.png"), fullPage: true });

  const token = (await page.getByTestId("access-token").textContent())!.trim();
  const v = await verify(page, token);
  expect(v.code).toBe("VALID");
  expect(v.scopes).toEqual(["keys:read"]);

  // The secret is not kept: a reload shows an empty panel.
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Client secret")).toHaveValue("");
  expect(await page.content()).not.toContain(secret);
  noErrors();
});

test("a JWT-format key is created in the form and verifies", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/credentials/new`);
  await hydrated(page);
  await page.getByLabel("Name").fill("SecureCloud style");
  await page.getByLabel("compute", { exact: true }).selectOption("read");
  await page.getByLabel("Issue as a signed JWT").check();
  await page.getByRole("button", { name: "Create credential" }).click();
  const secret = (await page.getByTestId("secret").textContent())!.trim();
  expect(secret).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect((await verify(page, secret)).code).toBe("VALID");
  noErrors();
});

test("signing keys are listed on Settings and rotate from there", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/settings`);
  await hydrated(page);
  const rows = page.locator("tr[data-kid]");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("ES256");
  await expect(rows.first()).toContainText("Signing");

  await page.getByTestId("rotate-signing-key").click();
  const dialog = page.getByRole("dialog", { name: "Rotate the signing key" });
  await dialog.getByLabel("Algorithm").selectOption("EdDSA");
  await dialog.getByRole("button", { name: "Rotate" }).click();
  await expect(dialog).toBeHidden();
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("EdDSA");
  await expect(rows.first()).toContainText("Signing");
  await expect(rows.nth(1)).toContainText("ES256");
  await expect(rows.nth(1)).toContainText("Retiring");
  await page.screenshot({ path: artifact("settings-signing-keys.png"), fullPage: true });

  const jwks = await (await page.request.get(`${kw.baseURL}/.well-known/jwks.json`)).json();
  expect(jwks.keys.map((k: { alg: string }) => k.alg).sort()).toEqual(["ES256", "EdDSA"]);
  noErrors();
});
