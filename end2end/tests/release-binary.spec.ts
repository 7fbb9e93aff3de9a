import { expect, test } from "@playwright/test";
import { failOnPageErrors, hydrated, startKeyward, type Keyward } from "../support/keyward";

let kw: Keyward;
test.beforeAll(async () => {
  kw = await startKeyward();
});
test.afterAll(async () => {
  await kw.stop();
});

test("the copied release binary alone serves the console, its WASM and its CSS", async ({ page, request }) => {
  const noErrors = failOnPageErrors(page);
  const wasm = await request.get(`${kw.baseURL}/pkg/keyward.wasm`);
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()["content-type"]).toBe("application/wasm");
  expect((await wasm.body()).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
  const css = await request.get(`${kw.baseURL}/pkg/keyward.css`);
  expect(css.status()).toBe(200);
  expect(css.headers()["content-type"]).toBe("text/css");
  expect(await css.text()).toContain("tailwindcss");
  const js = await request.get(`${kw.baseURL}/pkg/keyward.js`);
  expect(js.status()).toBe(200);

  const assets: string[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/pkg/")) assets.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${kw.baseURL}/login`);
  await hydrated(page);
  expect(assets).toEqual(expect.arrayContaining(["200 /pkg/keyward.css", "200 /pkg/keyward.js", "200 /pkg/keyward.wasm"]));
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector("button[type=submit]")!).backgroundColor);
  expect(bg).not.toBe("rgba(0, 0, 0, 0)");
  noErrors();
});

test("the API reference is served from the binary and hydrates", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const external: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(kw.baseURL)) external.push(r.url());
  });
  await page.goto(`${kw.baseURL}/docs`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.locator("section#tag-keys")).toContainText("/v1/keys/{id}/rotate");
  await page.getByRole("link", { name: "KeyWithSecret" }).first().click();
  await expect(page).toHaveURL(/#schema-KeyWithSecret/);
  expect(external).toEqual([]);
  noErrors();
});
