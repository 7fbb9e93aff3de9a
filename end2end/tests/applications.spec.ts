import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, artifact, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

/**
 * Applications, OVH style, end to end: OVH's own Python client (`ovh` from
 * PyPI, in .venv) talks to a small upstream behind a real nginx that checks
 * every call with Keyward's /v1/auth, using the README's nginx block as
 * written; Chromium creates the application, approves and refuses consumer
 * keys on the validation page, and revokes one.
 */

const PYTHON = path.resolve(__dirname, "../../.venv/bin/python");
const PEER = path.resolve(__dirname, "../support/ovh_peer.py");
const NGINX = "/usr/sbin/nginx";

let kw: Keyward;
let upstream: ChildProcess | undefined;
let nginx: ChildProcess | undefined;
let gateway: string;
let upstreamURL: string;

function peer(...args: string[]) {
  return JSON.parse(execFileSync(PYTHON, [PEER, ...args], { encoding: "utf8" }));
}

/** nginx answers 401 or 403 as /v1/auth did; either is a refusal. */
function refusal(status: number) {
  return status === 401 || status === 403;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number) {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: "127.0.0.1", port }, () => (c.end(), resolve(true)));
      c.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** The README's nginx block for signed requests, with this test's addresses. */
function readmeBlock(keyward: string, upstreamPort: number) {
  const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const block = readme.split("```nginx\n").map((b) => b.split("```")[0]).find((b) => b.includes("_keyward_signed"));
  expect(block, "the README has the signed-request nginx block").toBeTruthy();
  return block!.replaceAll("http://127.0.0.1:3000", keyward).replaceAll("http://upstream", `http://127.0.0.1:${upstreamPort}`);
}

async function startNginx(dir: string, port: number, block: string) {
  mkdirSync(path.join(dir, "tmp"), { recursive: true });
  const conf = `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    server {
        listen 127.0.0.1:${port};
${block}
    }
}
`;
  writeFileSync(path.join(dir, "nginx.conf"), conf);
  const child = spawn(NGINX, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: "ignore" });
  await listening(port);
  return child;
}

test.beforeEach(async ({ page, request }) => {
  kw = await startKeyward();
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
  const upPort = await freePort();
  upstream = spawn(PYTHON, [PEER, "upstream", String(upPort)], { stdio: "ignore" });
  await listening(upPort);
  upstreamURL = `http://127.0.0.1:${upPort}`;
  const port = await freePort();
  nginx = await startNginx(path.join(kw.dir, "nginx"), port, readmeBlock(kw.baseURL, upPort));
  gateway = `http://127.0.0.1:${port}`;
});
test.afterEach(async () => {
  nginx?.kill("SIGTERM");
  upstream?.kill("SIGTERM");
  await kw.stop();
});

/** Signs the user in from a validation URL, and comes back to it. */
async function openValidation(page: Page, validationUrl: string) {
  const u = new URL(validationUrl);
  expect(`${u.protocol}//${u.host}`).toBe(gateway);
  await page.goto(`${kw.baseURL}${u.pathname}${u.search}`);
  return u;
}

test("an application made in the console is used by python-ovh through nginx, with consumer keys approved, refused and revoked", async ({ page, browser }) => {
  const noErrors = failOnPageErrors(page);
  const endpoint = `${gateway}/1.0`;

  // Create the application in the console: the kind is preselected.
  await page.goto(`${kw.baseURL}/applications`);
  await hydrated(page);
  await expect(page.getByText("No applications yet")).toBeVisible();
  await page.getByTestId("new-application").click();
  await expect(page.getByRole("heading", { name: "New application" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel("Kind")).toHaveValue("application");
  await expect(page.getByTestId("credential-form").getByText("Global Admin")).toHaveCount(0);
  await page.getByLabel("Name").fill("Inventory");
  await page.getByLabel("Expires").selectOption("never");
  await page.getByRole("button", { name: "Add right" }).click();
  await page.getByLabel("POST", { exact: true }).check();
  await page.getByLabel("DELETE", { exact: true }).check();
  await page.getByLabel("Path of right 1").fill("/*");
  await page.getByRole("button", { name: "Create application" }).click();

  const reveal = page.getByTestId("reveal");
  await expect(reveal.getByText("Application key", { exact: true })).toBeVisible();
  await expect(reveal.getByText("Application secret", { exact: true })).toBeVisible();
  await expect(reveal.getByText("Consumer key", { exact: true })).toBeVisible();
  const ak = (await page.getByTestId("application-key").textContent())!.trim();
  const as = (await page.getByTestId("application-secret").textContent())!.trim();
  const firstCk = (await page.getByTestId("consumer-key").textContent())!.trim();
  expect(ak).toMatch(/^kwc_/);
  expect(as).toMatch(/^kws_/);
  await expect(page.getByTestId("application-sample")).toContainText("ovh.Client(");
  await expect(page.getByTestId("application-sample")).toContainText(`application_key="${ak}"`);
  await page.getByRole("tab", { name: "curl" }).click();
  await expect(page.getByTestId("application-sample")).toContainText("sha1sum");
  await page.screenshot({ path: artifact("application-reveal.png"), fullPage: true });
  await page.getByLabel("I have copied and stored this secret").check();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("heading", { name: "Inventory" })).toBeVisible();
  await expect(page.getByTestId("rotate")).toHaveCount(0);
  await expect(page.getByTestId("consumer-keys").locator("tbody tr")).toHaveCount(1);

  // The first consumer key works through nginx at once.
  const first = peer("call", endpoint, ak, as, firstCk, "GET", "/me");
  expect(first.status).toBe(200);
  expect(first.body.path).toBe("/1.0/me");

  // A consumer key asked for with python-ovh, approved by a signed-out user
  // who signs in from the validation link and lands back on it.
  const rules = JSON.stringify([
    { method: "GET", path: "/me" },
    { method: "GET", path: "/compute/*" },
    { method: "DELETE", path: "/compute/instances/*" },
    { method: "POST", path: "/compute/instances" },
  ]);
  const asked = peer("request-ck", endpoint, ak, as, rules, `${upstreamURL}/done`);
  expect(asked.state).toBe("pendingValidation");
  const ck = asked.consumerKey as string;
  expect(refusal(peer("call", endpoint, ak, as, ck, "GET", "/me").status), "a pending key").toBe(true);

  const other = await browser.newContext();
  const user = await other.newPage();
  const userErrors = failOnPageErrors(user);
  const validation = await openValidation(user, asked.validationUrl);
  await expect(user).toHaveURL(/\/login\?next=/);
  await hydrated(user);
  await user.getByLabel("E-mail").fill("admin@example.com");
  await user.getByLabel("Password").fill(PASSWORD);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user).toHaveURL(`${kw.baseURL}${validation.pathname}${validation.search}`);
  await expect(user.getByRole("heading", { name: "Authorize an application" })).toBeVisible();
  await hydrated(user);
  await expect(user.getByTestId("application-name")).toHaveText("Inventory");
  await expect(user.getByTestId("application-key")).toHaveText(ak);
  await expect(user.locator('tr[data-rule="DELETE /compute/instances/*"]')).toBeVisible();
  await expect(user.getByTestId("allowed-ips")).toHaveText("Any address");
  await expect(user.getByLabel("Account", { exact: true })).toHaveValue("default");
  await user.getByLabel("Validity").selectOption("1mo");
  await user.screenshot({ path: artifact("application-validate.png"), fullPage: true });
  await user.getByRole("button", { name: "Approve" }).click();
  await expect(user).toHaveURL(`${upstreamURL}/done`);

  // Its rights, enforced by Keyward behind nginx.
  expect(peer("call", endpoint, ak, as, ck, "GET", "/me").status).toBe(200);
  expect(peer("call", endpoint, ak, as, ck, "GET", "/compute/instances").status).toBe(200);
  expect(peer("call", endpoint, ak, as, ck, "DELETE", "/compute/instances/42").status).toBe(200);
  expect(peer("call", endpoint, ak, as, ck, "DELETE", "/me").status).toBe(403);
  expect(peer("call", endpoint, ak, as, ck, "GET", "/billing").status).toBe(403);
  // A stale timestamp, a replayed signature, and a wrong secret are refused.
  expect(peer("call", endpoint, ak, as, ck, "GET", "/me", "--time-delta", "-3600").status).toBe(401);
  // (Its own path: two identical calls in one second are a replay too.)
  const replay = peer("replay", endpoint, ak, as, ck, "/compute/volumes");
  expect(replay.first.status).toBe(200);
  expect(replay.replay.status).toBe(401);
  expect(peer("call", endpoint, ak, `${as}x`, ck, "GET", "/me").status).toBe(401);
  // nginx cannot hand the body to /v1/auth, so a signed body fails closed
  // there; the API itself checks it through /v1/keys/verify.
  expect(peer("call", endpoint, ak, as, ck, "POST", "/compute/instances", "--data", '{"name":"web-1"}').status).toBe(401);
  const post = peer("verify-post", endpoint, kw.baseURL, ak, as, ck, "/compute/instances", '{"name":"web-1","size":1}');
  expect(post.url).toBe(`${endpoint}/compute/instances`);
  expect(post.valid.body.valid).toBe(true);
  expect(post.valid.body.consumer_key_id).toMatch(/^ck_/);
  expect(post.tampered.body.valid).toBe(false);

  // The link is spent: a second visit shows a clear empty state.
  await user.goto(`${kw.baseURL}${validation.pathname}${validation.search}`);
  await expect(user.getByTestId("request-gone")).toContainText("This request is no longer waiting");

  // A refused request never works.
  const refused = peer("request-ck", endpoint, ak, as, JSON.stringify([{ method: "GET", path: "/*" }]));
  await openValidation(user, refused.validationUrl);
  await hydrated(user);
  await user.getByRole("button", { name: "Refuse" }).click();
  await expect(user.getByTestId("decision-done")).toContainText("Refused");
  expect(refusal(peer("call", endpoint, ak, as, refused.consumerKey, "GET", "/me").status), "a refused key").toBe(true);
  userErrors();
  await other.close();

  // Revoke the approved key on the application's page; the first goes on.
  await page.reload();
  await hydrated(page);
  const rows = page.getByTestId("consumer-keys").locator("tbody tr");
  await expect(rows).toHaveCount(3);
  const prefixes = await rows.locator("td:first-child").allTextContents();
  const index = prefixes.findIndex((p) => ck.startsWith(p.replace("…", "")));
  expect(index).toBeGreaterThanOrEqual(0);
  const row = rows.nth(index);
  await expect(row).toContainText("Active");
  await expect(row).toContainText("admin@example.com");
  await row.getByRole("button", { name: /Revoke consumer key/ }).click();
  await expect(page.getByRole("dialog")).toContainText("Revoke this consumer key");
  await page.getByTestId("confirm-revoke-consumer-key").click();
  await expect(row).toContainText("Revoked");
  expect(peer("call", endpoint, ak, as, ck, "GET", "/me").status, "a revoked key").toBe(401);
  expect(peer("call", endpoint, ak, as, firstCk, "GET", "/me").status).toBe(200);

  // The Applications list shows it by its application key.
  await page.goto(`${kw.baseURL}/applications`);
  await hydrated(page);
  await expect(page.locator('tr[data-application="Inventory"]')).toContainText(ak);
  noErrors();
});
