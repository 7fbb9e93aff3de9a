import { expect, test, type Page } from "@playwright/test";
import { artifact, call, hydrated, signIn, startWithAdmin, type Keyward } from "../support/keyward";

/**
 * No dead first click. The console is server-rendered, so a page is painted
 * before its WASM (and, for most pages, that route's own chunk) has arrived
 * and hydrated it. A click in that moment must not be lost: it waits, visibly,
 * and takes effect once the page is interactive. Route chunks are fetched
 * ahead when their links are shown or hovered. The time from first paint to
 * an interactive page is measured by `make bench-console`.
 */
let kw: Keyward;
test.beforeAll(async ({ browser }) => {
  kw = await startWithAdmin(browser, async (page, kw) => {
    for (let i = 0; i < 5; i++) await call(page.request, kw, "credentials/create", { input: { name: `first-click-${i}`, expires: "never" } });
  });
});
test.afterAll(async () => {
  await kw.stop();
});

test("a click before the page's chunk has arrived waits, visibly, then takes effect", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  // Hold back the credentials page's own chunk, so the painted page stays
  // without handlers for as long as the test needs.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route(/split___credentials_view_[^/]*\.wasm/, async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto(`${kw.baseURL}/credentials`, { waitUntil: "commit" });
  const selectAll = page.getByLabel("Select all on this page");
  await selectAll.click();
  await expect(page.locator("html")).toHaveClass(/kw-waiting/);
  expect(await page.locator("body").getAttribute("data-hydrated")).toBeNull();
  await page.screenshot({ path: artifact("first-click-waiting.png") });

  release();
  await hydrated(page);
  await expect(page.getByTestId("selected-count")).toHaveText("5 selected");
  await expect(selectAll).toBeChecked();
  await expect(page.locator("html")).not.toHaveClass(/kw-waiting/);
});

test("the chunks of the pages linked from the screen are fetched before any click", async ({ page }) => {
  await signIn(page, kw, "admin@example.com");
  const fetched: string[] = [];
  page.on("request", (r) => {
    const chunk = r.url().match(/split___(\w+?)_view_/);
    if (chunk) fetched.push(chunk[1]);
  });
  await page.goto(`${kw.baseURL}/`);
  await hydrated(page);
  // Every page in the sidebar, fetched ahead while the user reads the dashboard.
  for (const route of ["credentials", "applications", "accounts", "users", "webhooks", "audit", "settings", "docs"]) {
    await expect.poll(() => fetched, `the ${route} chunk`).toContain(route);
  }
  const before = fetched.length;
  await page.getByRole("link", { name: "Credentials" }).hover();
  await page.getByRole("link", { name: "Credentials" }).click();
  await expect(page.getByRole("heading", { name: "Credentials", level: 1 })).toBeVisible();
  await page.getByLabel("Select first-click-0").check();
  await expect(page.getByTestId("selected-count")).toHaveText("1 selected");
  expect(fetched.slice(before).filter((c) => c === "credentials"), "fetched again on the click").toEqual([]);
});
