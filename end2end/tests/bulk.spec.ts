import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { artifact, call, failOnPageErrors, hydrated, setupAdmin, signIn, startKeyward, type Keyward } from "../support/keyward";

let kw: Keyward;
test.beforeEach(async ({ page, request }) => {
  kw = await startKeyward();
  await setupAdmin(request, kw);
  await signIn(page, kw, "admin@example.com");
});
test.afterEach(async () => {
  await kw.stop();
});

/** Creates `n` credentials named `{prefix}{i}` through the console's own server function. */
async function createMany(page: Page, prefix: string, n: number) {
  for (let i = 0; i < n; i++) {
    const name = `${prefix}${String(i).padStart(3, "0")}`;
    await call(page.request, kw, "credentials/create", { input: { name, expires: "never" } });
  }
}

/** Every credential the list shows for a search, as the console's list server function answers. */
async function listed(page: Page, q: string) {
  const body = await call(page.request, kw, "credentials/list", { query: { q, limit: 200 } });
  return body.items as { id: string; name: string; status: string; prefix: string }[];
}

/** Reads RFC 4180 CSV: quoted cells, doubled quotes, CRLF line ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else if (c !== "\r") cell += c;
  }
  return rows;
}

test("120 credentials selected by a filter are revoked with one confirmation, and the outcome is shown", async ({ page }) => {
  test.setTimeout(180_000);
  const noErrors = failOnPageErrors(page);
  await createMany(page, "batch-", 120);
  await createMany(page, "other-", 10);

  await page.goto(`${kw.baseURL}/credentials?q=batch-`);
  await hydrated(page);
  await expect(page.getByTestId("select-row")).toHaveCount(50);
  await page.getByLabel("Select batch-119").check();
  await expect(page.getByTestId("selected-count")).toHaveText("1 selected");
  await page.getByLabel("Select all on this page").check();
  await expect(page.getByTestId("selected-count")).toHaveText("50 selected");
  await page.getByRole("button", { name: "Select all 120 matching" }).click();
  await expect(page.getByTestId("selected-count")).toHaveText("120 selected");
  await expect(page.getByText("All 120 matching are selected.")).toBeVisible();

  await page.getByTestId("bulk-revoke").click();
  const dialog = page.getByRole("dialog", { name: "Revoke credentials" });
  await expect(dialog.getByTestId("bulk-revoke-question")).toContainText("Revoke 120 credentials?");
  await page.screenshot({ path: artifact("bulk-revoke-confirm.png"), fullPage: true });
  await dialog.getByRole("button", { name: "Revoke 120" }).click();
  await expect(dialog.getByTestId("bulk-outcome")).toContainText("120 revoked.");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("selected-count")).toHaveText("0 selected");

  const batch = await listed(page, "batch-");
  expect(batch).toHaveLength(120);
  expect(batch.every((c) => c.status === "revoked")).toBe(true);
  const others = await listed(page, "other-");
  expect(others.every((c) => c.status === "active")).toBe(true);
  noErrors();
});

test("a bulk revocation reports what it did not revoke", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await createMany(page, "batch-", 3);
  const [first] = await listed(page, "batch-");
  await call(page.request, kw, "credentials/revoke_many", { selection: { Ids: [first.id] } });

  await page.goto(`${kw.baseURL}/credentials?q=batch-`);
  await hydrated(page);
  await page.getByLabel("Select all on this page").check();
  await expect(page.getByTestId("selected-count")).toHaveText("3 selected");
  // Keyboard: the bar's revoke button opens the dialog.
  await page.getByTestId("bulk-revoke").focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Revoke credentials" });
  await dialog.getByRole("button", { name: "Revoke 3" }).click();
  await expect(dialog.getByTestId("bulk-outcome")).toContainText("2 revoked. 1 not revoked:");
  await expect(dialog.getByTestId("bulk-failures")).toContainText(`${first.id}: Already revoked.`);
  noErrors();
});

/** The API's own list (`GET /v1/keys`) for a search, read with a Global Viewer key as an integration would. */
async function listedByApi(page: Page, q: string) {
  const key = await call(page.request, kw, "credentials/create", { input: { name: "api-reader", roles: ["global_viewer"], expires: "1mo" } });
  const res = await page.request.get(`${kw.baseURL}/v1/keys?limit=200&q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${key.secret}` },
  });
  expect(res.status()).toBe(200);
  return (await res.json()).items as { id: string; name: string; status: string; prefix: string; expires_at: number | null }[];
}

test("the CSV export of a filtered list matches the API's list", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await createMany(page, "export-", 60);
  await createMany(page, "unrelated-", 4);

  await page.goto(`${kw.baseURL}/credentials?q=export-`);
  await hydrated(page);
  await expect(page.getByTestId("select-row")).toHaveCount(50);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  expect(download.suggestedFilename()).toBe("credentials.csv");
  const rows = parseCsv(readFileSync((await download.path())!, "utf8"));
  const header = rows[0];
  const col = (name: string) => header.indexOf(name);
  const list = await listed(page, "export-");
  expect(rows.length - 1).toBe(60);
  expect(rows.slice(1).map((r) => r[col("id")])).toEqual(list.map((c) => c.id));
  expect(rows.slice(1).map((r) => r[col("name")])).toEqual(list.map((c) => c.name));
  expect(rows.slice(1).map((r) => r[col("prefix")])).toEqual(list.map((c) => c.prefix));
  const api = await listedByApi(page, "export-");
  expect(api).toHaveLength(60);
  expect(rows.slice(1).map((r) => [r[col("id")], r[col("name")], r[col("prefix")], r[col("status")], r[col("expires_at")]])).toEqual(
    api.map((c) => [c.id, c.name, c.prefix, c.status, String(c.expires_at ?? "")]),
  );

  const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
  expect(json.suggestedFilename()).toBe("credentials.json");
  const exported = JSON.parse(readFileSync((await json.path())!, "utf8")) as { id: string }[];
  expect(exported.map((c) => c.id)).toEqual(list.map((c) => c.id));
  noErrors();
});
