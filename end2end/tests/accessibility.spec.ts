import { writeFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { artifact, call, hydrated, PASSWORD, signIn, startWithAdmin, type Keyward } from "../support/keyward";

/**
 * axe-core over every main page, in light and in dark mode, against WCAG 2.1
 * A/AA and axe's best practices. A serious or critical violation fails the
 * test; every violation, whatever its impact, is counted in the printed table
 * and in `artifacts/axe-report.json`, so the figures in the note come
 * from here.
 */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

type Mode = "light" | "dark";

interface Finding {
  page: string;
  mode: Mode;
  rule: string;
  impact: string;
  nodes: number;
  targets: string[];
}

let kw: Keyward;
let ids: { credential: string; webhook: string };
test.beforeAll(async ({ browser }) => {
  kw = await startWithAdmin(browser, async (page, kw) => {
    ids = await populate(page, kw);
  });
});
test.afterAll(async () => {
  await kw.stop();
});

/** Fills every list the pages show, so badges, tables and relative times are all on screen. */
async function populate(page: Page, kw: Keyward) {
  const acme = await call(page.request, kw, "accounts/create", { name: "acme", plan: "professional" });
  await call(page.request, kw, "users/create", {
    email: "viewer@example.com",
    password: PASSWORD,
    role: "account_viewer",
    all_accounts: false,
    accounts: [acme.id],
  });
  const key = await call(page.request, kw, "credentials/create", {
    input: { name: "billing-sync", expires: "1mo", scopes: ["keys:read"], allowed_cidrs: ["10.0.0.0/8"] },
  });
  await call(page.request, kw, "credentials/create", { input: { name: "ci-deploy", expires: "never" } });
  const revoked = await call(page.request, kw, "credentials/create", { input: { name: "old-job", expires: "7d" } });
  await call(page.request, kw, "credentials/revoke", { id: revoked.credential.id, confirm_name: "old-job" });
  await call(page.request, kw, "credentials/create", {
    input: { name: "partner-app", kind: "application", rights: [{ methods: ["GET"], path: "/me" }], expires: "never" },
  });
  const hook = await call(page.request, kw, "webhooks/create", {
    input: { account: "default", url: "http://127.0.0.1:9/hook", events: ["key.created", "key.revoked"] },
  });
  return { credential: key.credential.id as string, webhook: hook.id as string };
}

async function setMode(page: Page, mode: Mode) {
  await page.addInitScript((m) => localStorage.setItem("kw-theme", m), mode);
  await page.emulateMedia({ colorScheme: mode });
}

/** Audits the page as it stands; returns one finding per violated rule. */
async function audit(page: Page, name: string, mode: Mode): Promise<Finding[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations.map((v) => ({
    page: name,
    mode,
    rule: v.id,
    impact: v.impact ?? "unknown",
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}

test("every main page passes axe-core (WCAG 2.1 AA and best practices) in light and dark mode", async ({ browser }) => {
  test.setTimeout(240_000);

  const findings: Finding[] = [];
  const audited: string[] = [];
  for (const mode of ["light", "dark"] as Mode[]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await setMode(page, mode);

    await page.goto(`${kw.baseURL}/login`);
    await hydrated(page);
    findings.push(...(await audit(page, "/login", mode)));
    await signIn(page, kw, "admin@example.com");

    const pages = [
      "/",
      "/credentials",
      "/credentials/new",
      `/credentials/${ids.credential}`,
      "/applications",
      "/accounts",
      "/accounts/acme",
      "/users",
      "/webhooks",
      `/webhooks/${ids.webhook}`,
      "/audit",
      "/settings",
      "/account",
      "/docs",
    ];
    for (const path of pages) {
      await page.goto(`${kw.baseURL}${path}`);
      await hydrated(page);
      await page.waitForLoadState("networkidle");
      await expect(page.locator("html")).toHaveClass(mode === "dark" ? /dark/ : /^(?!.*dark)/);
      findings.push(...(await audit(page, path.replace(ids.credential, ":id").replace(ids.webhook, ":id"), mode)));
      if (mode === "light") audited.push(path);
    }
    await context.close();
  }

  const total = findings.reduce((n, f) => n + f.nodes, 0);
  const byImpact: Record<string, number> = {};
  for (const f of findings) byImpact[f.impact] = (byImpact[f.impact] ?? 0) + f.nodes;
  writeFileSync(artifact("axe-report.json"), JSON.stringify({ pages: audited.length + 1, total, byImpact, findings }, null, 2));
  console.log(`axe-core: ${audited.length + 1} pages x 2 modes, ${total} violating nodes ${JSON.stringify(byImpact)}`);
  for (const f of findings) console.log(`  ${f.mode} ${f.page} ${f.impact} ${f.rule} x${f.nodes}: ${f.targets.join(" | ")}`);

  const blocking = findings.filter((f) => f.impact === "serious" || f.impact === "critical");
  expect(blocking, "serious or critical axe-core violations").toEqual([]);
});

/** Where keyboard focus is: inside an open dialog, and whether it shows a ring. */
function focusState(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const style = el ? getComputedStyle(el) : null;
    return {
      inDialog: !!el?.closest("dialog[open]"),
      testid: el?.getAttribute("data-testid") ?? null,
      ring: !!style && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    };
  });
}

test("the keyboard alone selects and revokes, a dialog keeps focus inside and returns it, and focus is always visible", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  await page.goto(`${kw.baseURL}/credentials?q=ci-deploy`);
  await hydrated(page);

  await page.getByLabel("Select ci-deploy").focus();
  expect((await focusState(page)).ring, "focus ring on a row's checkbox").toBe(true);
  await page.keyboard.press("Space");
  await expect(page.getByTestId("selected-count")).toHaveText("1 selected");

  const revoke = page.getByTestId("bulk-revoke");
  await revoke.focus();
  expect((await focusState(page)).ring, "focus ring on a button").toBe(true);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Revoke credentials" });
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 8; i++) {
    const state = await focusState(page);
    expect(state.inDialog, `Tab ${i} left the dialog`).toBe(true);
    expect(state.ring, `Tab ${i}: no focus ring`).toBe(true);
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect((await focusState(page)).testid, "focus goes back to the button that opened the dialog").toBe("bulk-revoke");

  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Revoke 1" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByTestId("bulk-outcome")).toContainText("1 revoked.");
});
