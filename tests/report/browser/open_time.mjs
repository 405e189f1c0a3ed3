// How long a parex report takes to open in headless Chromium, and to draw a variant's section on demand:
//   node open_time.mjs REPORT_HTML        prints the figures; a benchmark, not a test
import { launch } from "./harness.mjs";

const [report] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const started = Date.now();
  await page.goto("file://" + report, { waitUntil: "load" });
  const loaded = Date.now() - started;
  const load = await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd);
  const links = page.locator("table.variants tbody tr a");
  const count = await links.count();
  const last = await links.nth(count - 1).getAttribute("href");
  const before = Date.now();
  await links.nth(count - 1).click();
  await page.waitForSelector(`${last.replace(/([/.])/g, "\\$1")} .check`, { timeout: 10000 });
  const drawn = Date.now() - before;
  console.log(`open_time: ${count} variant(s): load event at ${load.toFixed(0)} ms (${loaded} ms goto to load); ` +
              `the last variant's section drawn ${drawn} ms after its link was clicked; ${errors.length} page error(s)`);
  process.exit(errors.length ? 1 : 0);
} finally {
  await browser.close();
}
