import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";
export const ARTIFACTS = path.resolve(__dirname, "../artifacts");

/** A Keyward started from a copy of the release binary, alone in an empty temp dir. */
export interface Keyward {
  baseURL: string;
  setupToken?: string;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Longer than the server's own bound on a graceful stop (see server.rs). */
const STOP_LIMIT_MS = 25_000;

const RELEASE_BINARY = path.resolve(__dirname, "../../target/release/keyward");

/** Starts Keyward; `env` adds settings (e.g. `KEYWARD_SCOPE_RESOURCES`), as an operator would. */
export async function startKeyward(env: Record<string, string> = {}): Promise<Keyward> {
  const dir = mkdtempSync(path.join(tmpdir(), "keyward-e2e-"));
  const bin = path.join(dir, "keyward");
  copyFileSync(RELEASE_BINARY, bin);
  chmodSync(bin, 0o755);
  const child = spawn(bin, [], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      KEYWARD_ADDR: "127.0.0.1:0",
      KEYWARD_LOG_FORMAT: "json",
      // The specs' webhook receivers listen on loopback, which is refused by default.
      KEYWARD_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8,::1/128",
      RUST_BACKTRACE: "1",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const ready = new Promise<{ baseURL: string; setupToken?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyward did not start:\n${log}`)), 15_000);
    child.stderr!.on("data", () => {
      const listening = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const setup = log.match(/setup\?token=([A-Za-z0-9_-]+)/);
      if (listening && setup) {
        clearTimeout(timer);
        resolve({ baseURL: listening[1], setupToken: setup[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`keyward exited with ${code}:\n${log}`)));
  });
  const { baseURL, setupToken } = await ready;
  return {
    baseURL,
    setupToken,
    dir,
    process: child,
    // Stops the server, and fails the test if it panicked at any point (a
    // panic in a handler shows up in the browser only as a dropped connection).
    stop: () =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          writeFileSync(artifact(`server-exited-${path.basename(dir)}.log`), log);
          reject(new Error(`keyward had already exited (${child.exitCode ?? child.signalCode}):\n${log.split("\n").slice(-20).join("\n")}`));
          return;
        }
        const started = Date.now();
        // A graceful stop is bounded by the server itself; past that, the
        // test fails with the log rather than at Playwright's hook timeout.
        const guard = setTimeout(() => {
          child.kill("SIGKILL");
          writeFileSync(artifact(`server-stuck-${path.basename(dir)}.log`), log);
          reject(new Error(`keyward did not stop within ${STOP_LIMIT_MS} ms of SIGTERM:\n${log.split("\n").slice(-20).join("\n")}`));
        }, STOP_LIMIT_MS);
        child.once("exit", () => {
          clearTimeout(guard);
          if (Date.now() - started > 2_000) console.log(`keyward took ${Date.now() - started} ms to stop`);
          // The copy of the binary and the data dir go with the server (22 MB
          // a spec, which filled the disk once); a panic's log is kept above.
          rmSync(dir, { recursive: true, force: true });
          if (log.includes("panicked")) {
            writeFileSync(artifact(`server-panic-${path.basename(dir)}.log`), log);
            reject(new Error(`the server panicked:\n${log.split("\n").filter((l) => l.includes("panicked")).join("\n")}`));
          } else {
            resolve();
          }
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Waits until the WASM bundle has hydrated the page, so clicks reach Leptos. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/**
 * Fails the test on any exception or console error in the page (a panic in the
 * WASM shows up here). The browser's own "Failed to load resource" lines are
 * left out: a server function that answers 403 or 404 on purpose logs one.
 */
export function failOnPageErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  return () => expect(errors, "errors in the browser console").toEqual([]);
}

/** Creates the first admin through the setup server function; returns its cookie-carrying context. */
export async function setupAdmin(request: APIRequestContext, kw: Keyward, email = "admin@example.com") {
  const res = await request.post(`${kw.baseURL}/api/setup/complete`, {
    form: { token: kw.setupToken!, email, password: PASSWORD, confirm: PASSWORD },
    maxRedirects: 0,
  });
  expect(res.status()).toBeLessThan(400);
}

/**
 * Starts Keyward for a whole spec file with its first admin, and lets `fill`
 * add data through a page signed in as that admin.
 */
export async function startWithAdmin(browser: Browser, fill: (page: Page, kw: Keyward) => Promise<unknown> = async () => {}) {
  const kw = await startKeyward();
  const page = await browser.newPage();
  await setupAdmin(page.request, kw);
  await signIn(page, kw, "admin@example.com");
  await fill(page, kw);
  await page.close();
  return kw;
}

/** Calls a JSON server function with the request context's cookies. */
export async function call(request: APIRequestContext, kw: Keyward, fn: string, body: unknown) {
  const res = await request.post(`${kw.baseURL}/api/${fn}`, { data: body });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

export async function signIn(page: Page, kw: Keyward, email: string, password = PASSWORD) {
  await page.goto(`${kw.baseURL}/login`);
  await hydrated(page);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}

export function artifact(name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
