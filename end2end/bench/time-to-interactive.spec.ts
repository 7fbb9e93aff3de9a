import { writeFileSync } from "node:fs";
import { test, type Page } from "@playwright/test";
import { artifact, call, hydrated, signIn, startWithAdmin, type Keyward } from "../support/keyward";

/**
 * `make bench-console`: the time from first paint to an interactive page
 * (`data-hydrated`) in Chromium, for the dashboard (in the main bundle) and
 * three pages that bring their own chunk, on loopback and on a throttled
 * link, with the cache off. Prints medians of 5 loads; asserts nothing.
 */
let kw: Keyward;
test.beforeAll(async ({ browser }) => {
  kw = await startWithAdmin(browser, async (page, kw) => {
    for (let i = 0; i < 20; i++) await call(page.request, kw, "credentials/create", { input: { name: `bench-${i}`, expires: "never" } });
  });
});
test.afterAll(async () => {
  await kw.stop();
});

/** Records, in the page, when it first painted and when it became interactive (`data-hydrated`). */
async function recordInteractive(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __interactiveAt?: number };
    new MutationObserver((_, obs) => {
      if (document.body?.getAttribute("data-hydrated") === "true") {
        w.__interactiveAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
}

async function timings(page: Page) {
  await hydrated(page);
  return page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN;
    const interactive = (window as unknown as { __interactiveAt: number }).__interactiveAt;
    return { paint, interactive, gap: interactive - paint };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("time from first paint to an interactive page, on loopback and on a throttled link", async ({ browser }) => {
  test.setTimeout(180_000);
  const rows: string[] = [];
  const report: Record<string, unknown> = {};
  for (const link of ["loopback", "throttled"] as const) {
    for (const path of ["/", "/credentials", "/audit", "/settings"]) {
      const gaps: number[] = [];
      const paints: number[] = [];
      for (let run = 0; run < 5; run++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await signIn(page, kw, "admin@example.com");
        await recordInteractive(page);
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
        if (link === "throttled") {
          // 10 Mbit/s down, 40 ms round trip: a remote admin on a modest link.
          await cdp.send("Network.emulateNetworkConditions", {
            offline: false,
            latency: 40,
            downloadThroughput: (10 * 1024 * 1024) / 8,
            uploadThroughput: (5 * 1024 * 1024) / 8,
          });
        }
        await page.goto(`${kw.baseURL}${path}`);
        const t = await timings(page);
        gaps.push(t.gap);
        paints.push(t.paint);
        await context.close();
      }
      const line = `${link} ${path}: first paint ${median(paints).toFixed(0)} ms, interactive ${median(gaps).toFixed(0)} ms after it (median of 5; min ${Math.min(...gaps).toFixed(0)}, max ${Math.max(...gaps).toFixed(0)})`;
      rows.push(line);
      report[`${link} ${path}`] = { paint: median(paints), gap: median(gaps), gaps };
    }
  }
  console.log(rows.join("\n"));
  writeFileSync(artifact("time-to-interactive.json"), JSON.stringify(report, null, 2));
});

