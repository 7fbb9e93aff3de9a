import { expect, test, type Page } from "@playwright/test";
import { artifact, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

/** 50 resources, ten in each of five areas: compute-01 … identity-10. */
const RESOURCES = ["compute", "storage", "network", "billing", "identity"].flatMap((area) =>
  Array.from({ length: 10 }, (_, i) => `${area}-${String(i + 1).padStart(2, "0")}`),
);
/** The catalog's rows plus the `*` row. */
const ROWS = RESOURCES.length + 1;

let kw: Keyward;
test.beforeEach(async ({ page, request }) => {
  kw = await startKeyward({ KEYWARD_SCOPE_RESOURCES: RESOURCES.join(",") });
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
});
test.afterEach(async () => {
  await kw.stop();
});

const rows = (page: Page) => page.getByTestId("scope-row");
const count = (page: Page) => page.getByTestId("scope-count");

test("a 50-resource catalog is filtered, picked from two areas, and the credential holds exactly those scopes", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto(`${kw.baseURL}/credentials/new`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "New credential" })).toBeVisible();
  await page.getByLabel("Name").fill("Picked from fifty");

  // The list scrolls inside the form, and a keyboard can reach the scroll region.
  const region = page.getByRole("region", { name: "Scope resources" });
  await expect(region).toHaveAttribute("tabindex", "0");
  expect(await region.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await expect(count(page)).toHaveText(`${ROWS} of ${ROWS} resources`);
  await expect(page.getByTestId("selected-scopes")).toContainText("none");

  // Typing narrows the list to the matching groups.
  const filter = page.getByRole("searchbox", { name: "Filter scopes" });
  const regionBox = await region.boundingBox();
  await filter.pressSequentially("stor");
  await expect(count(page)).toHaveText(`10 of ${ROWS} resources`);
  await expect(rows(page).filter({ visible: true })).toHaveCount(10);
  await expect(page.getByLabel("storage-03", { exact: true })).toBeVisible();
  await expect(page.getByLabel("compute-01", { exact: true })).toBeHidden();
  // The region keeps its height: nothing below it moves as the list narrows.
  expect((await region.boundingBox())!.height).toBe(regionBox!.height);
  await page.getByLabel("storage-03", { exact: true }).selectOption("write");
  await page.screenshot({ path: artifact("scope-picker-filtered.png"), fullPage: true });

  // Enter in the filter does not submit the form.
  await filter.press("Enter");
  await expect(page.getByRole("heading", { name: "New credential" })).toBeVisible();

  // A second area: the first choice stays in the summary while its row is filtered out.
  await filter.fill("billing-07");
  await expect(count(page)).toHaveText(`1 of ${ROWS} resources`);
  await page.getByLabel("billing-07", { exact: true }).selectOption("admin");
  await expect(page.getByLabel("storage-03", { exact: true })).toBeHidden();
  const selected = page.getByTestId("selected-scopes");
  await expect(selected).toContainText("billing-07:admin");
  await expect(selected).toContainText("storage-03:write");

  // A filter can name an action: it finds the rows that hold it.
  await filter.fill("write");
  await expect(count(page)).toHaveText(`1 of ${ROWS} resources`);
  await expect(page.getByLabel("storage-03", { exact: true })).toBeVisible();

  // Nothing matches: an empty state with a way back.
  await filter.fill("printers");
  await expect(page.getByTestId("scope-empty")).toContainText("No scope matches “printers”.");
  await expect(count(page)).toHaveText(`0 of ${ROWS} resources`);
  await page.getByRole("button", { name: "Clear filter" }).click();
  await expect(filter).toHaveValue("");
  await expect(count(page)).toHaveText(`${ROWS} of ${ROWS} resources`);

  // Escape empties the filter too; both choices are in place.
  await filter.fill("compute");
  await filter.press("Escape");
  await expect(count(page)).toHaveText(`${ROWS} of ${ROWS} resources`);
  await expect(page.getByLabel("storage-03", { exact: true })).toHaveValue("write");
  await expect(page.getByLabel("billing-07", { exact: true })).toHaveValue("admin");

  // A chip's remove button takes its scope away, by keyboard as well.
  await page.getByLabel("identity-10", { exact: true }).selectOption("read");
  await expect(selected).toContainText("identity-10:read");
  await page.getByRole("button", { name: "Remove identity-10:read" }).focus();
  await page.keyboard.press("Enter");
  await expect(selected).not.toContainText("identity-10");
  await expect(page.getByLabel("identity-10", { exact: true })).toHaveValue("");

  await page.screenshot({ path: artifact("scope-picker-selected.png"), fullPage: true });
  await page.getByRole("button", { name: "Create credential" }).click();
  const secret = (await page.getByTestId("secret").textContent())!.trim();
  const res = await page.request.post(`${kw.baseURL}/v1/keys/verify`, { data: { key: secret } });
  expect(res.status()).toBe(200);
  const v = await res.json();
  expect(v.valid).toBe(true);
  expect([...v.scopes].sort()).toEqual(["billing-07:admin", "storage-03:write"]);
  noErrors();
});

test("the picker reads in dark mode too", async ({ page }) => {
  await page.goto(`${kw.baseURL}/credentials/new`);
  await hydrated(page);
  await page.evaluate(() => {
    localStorage.setItem("kw-theme", "dark");
    document.documentElement.classList.add("dark");
  });
  await page.getByRole("searchbox", { name: "Filter scopes" }).fill("network");
  await expect(count(page)).toHaveText(`10 of ${ROWS} resources`);
  await page.getByLabel("network-05", { exact: true }).selectOption("*");
  await expect(page.getByTestId("selected-scopes")).toContainText("network-05:*");
  await page.screenshot({ path: artifact("scope-picker-dark.png"), fullPage: true });
});
