import { expect, test, type Page } from "@playwright/test";
import { artifact, call, hydrated, PASSWORD, signIn, startWithAdmin, type Keyward } from "../support/keyward";

/**
 * The console at the widths people use: a phone (390), a tablet (768), a small
 * laptop (1024) and a common laptop (1280). From 1024 up no list scrolls
 * sideways or cuts a column off; on a phone every list is a stack of cards
 * whose status is on screen; the sidebar runs the full height; a create does
 * not shift the page. Screenshots of every list at every width go to
 * `artifacts/layout-*.png`.
 */
const WIDTHS = [390, 768, 1024, 1280];
const LISTS = ["/credentials", "/applications", "/accounts", "/users", "/webhooks", "/audit", "/"];

let kw: Keyward;
test.beforeAll(async ({ browser }) => {
  kw = await startWithAdmin(browser, populate);
});
test.afterAll(async () => {
  await kw.stop();
});

/** Long names, many scopes and every kind, so the widest rows a user makes are on screen. */
async function populate(page: Page, kw: Keyward) {
  const acme = await call(page.request, kw, "accounts/create", { name: "acme-international-holdings", plan: "professional" });
  await call(page.request, kw, "users/create", {
    email: "a-rather-long-address.for-the-viewer@example-corporation.com",
    password: PASSWORD,
    role: "account_viewer",
    all_accounts: false,
    accounts: [acme.id],
  });
  const kinds = ["api_key", "basic", "oauth_client"];
  for (let i = 0; i < 12; i++) {
    await call(page.request, kw, "credentials/create", {
      input: {
        name: `billing-reconciliation-service-${i}`,
        kind: kinds[i % 3],
        account: i % 2 ? "acme-international-holdings" : "default",
        scopes: ["keys:read", "compute:write", "storage:read", "billing:read"],
        roles: i % 4 === 0 ? ["global_viewer"] : [],
        allowed_cidrs: ["10.20.0.0/16", "192.168.100.0/24"],
        expires: i % 3 ? "1mo" : "never",
      },
    });
  }
  await call(page.request, kw, "credentials/create", {
    input: { name: "partner-integration-application", kind: "application", rights: [{ methods: ["GET", "POST"], path: "/me/*" }], expires: "never" },
  });
  await call(page.request, kw, "webhooks/create", {
    input: { account: "default", url: "http://127.0.0.1:9/a/rather/long/path/for/the/receiver/of/events", events: ["key.created", "key.revoked", "key.rotated", "key.expiring"] },
  });
}

async function open(page: Page, width: number, path: string) {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${kw.baseURL}${path}`);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
}

/** Each table frame whose content is wider than the frame: a clipped or scrolled-away column. */
function clippedTables(page: Page) {
  return page.locator("[data-table]").evaluateAll((frames) =>
    frames
      .filter((f) => f.scrollWidth > f.clientWidth + 1)
      .map((f) => `${f.getAttribute("aria-label")}: ${f.scrollWidth} > ${f.clientWidth}`),
  );
}

test("from 1024 px up no list scrolls sideways or cuts off a column, and the page never scrolls sideways", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  const problems: string[] = [];
  for (const width of WIDTHS) {
    for (const path of LISTS) {
      await open(page, width, path);
      const name = path === "/" ? "dashboard" : path.slice(1);
      await page.screenshot({ path: artifact(`layout-${name}-${width}.png`), fullPage: true });
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      if (pageWidth > width) problems.push(`${path} at ${width} px: the page is ${pageWidth} px wide`);
      expect(await page.locator("[data-table]").count(), `${path} has a table`).toBeGreaterThan(0);
      if (width >= 1024) problems.push(...(await clippedTables(page)).map((c) => `${path} at ${width} px: ${c}`));
    }
  }
  expect(problems).toEqual([]);
});

test("from 1024 px up the credentials table shows name, status, expiry and last use in full", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  for (const width of [1024, 1280]) {
    await open(page, width, "/credentials");
    const frame = await page.locator("[data-table]").boundingBox();
    for (const column of ["Name", "Status", "Expires", "Last used"]) {
      const head = await page.getByRole("columnheader", { name: column }).boundingBox();
      expect(head, `${column} at ${width} px`).not.toBeNull();
      expect(head!.x + head!.width, `${column} at ${width} px`).toBeLessThanOrEqual(frame!.x + frame!.width + 1);
    }
  }
});

test("on a phone every list is a stack of cards, and every credential card shows its name, prefix, status and expiry", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  await open(page, 390, "/credentials");
  // The headings stay for screen readers but take no room on screen.
  const head = (await page.locator("[data-table] thead").boundingBox())!;
  expect(head.height, "the table's heading row on a phone").toBeLessThanOrEqual(1);
  const cards = page.locator("tr[data-credential]");
  await expect(cards).toHaveCount(13);
  for (const card of await cards.all()) {
    const box = (await card.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    for (const label of ["Name", "Key", "Status", "Expires"]) {
      const cell = card.locator(`td[data-label="${label}"]`);
      const c = (await cell.boundingBox())!;
      expect(c, `${label} of a card`).not.toBeNull();
      expect(c.width, `${label} of a card`).toBeGreaterThan(0);
      expect(c.x + c.width, `${label} of a card is cut off`).toBeLessThanOrEqual(390);
    }
    await expect(card.locator('td[data-label="Status"]')).toHaveText(/Active|Revoked|Expired|Pending/);
  }
  for (const path of ["/applications", "/accounts", "/users", "/webhooks", "/audit"]) {
    await open(page, 390, path);
    const rows = page.locator("[data-table] tbody tr");
    expect(await rows.count(), path).toBeGreaterThan(0);
    for (const row of await rows.all()) {
      const box = (await row.boundingBox())!;
      expect(box.x + box.width, `${path}: a card wider than the phone`).toBeLessThanOrEqual(390);
    }
  }
});

test("the sidebar spans the full height of a long page, and a create does not shift the shell", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  for (const width of [1024, 1280]) {
    await open(page, width, "/audit");
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(pageHeight, "the audit page is longer than the window").toBeGreaterThan(900);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const aside = (await page.locator("#sidebar").boundingBox())!;
    expect(aside.height, `the sidebar's column at ${width} px`).toBeGreaterThanOrEqual(pageHeight - 1);
    await expect(page.getByTestId("sign-out"), `the sidebar's contents stay in view at ${width} px`).toBeInViewport();
    await page.screenshot({ path: artifact(`layout-audit-scrolled-${width}.png`), fullPage: true });
  }

  // The form is longer than the window and the reveal is not: the page
  // after the create opens at its top, not part-way down under the header.
  for (const width of [390, 1280]) {
    await open(page, width, "/credentials/new");
    await page.getByLabel("Name").fill(`layout-check-${width}`);
    await page.getByRole("button", { name: "Create credential" }).click();
    await expect(page.getByTestId("reveal")).toBeVisible();
    await expect.poll(() => page.evaluate(() => window.scrollY), `scrolled after a create at ${width} px`).toBe(0);
    await expect(page.getByRole("heading", { name: `layout-check-${width} is ready` })).toBeInViewport();
    await page.screenshot({ path: artifact(`layout-after-create-${width}.png`), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
});
