// Loads a parex class page (grade-class's class.html) from file:// in headless Chromium and checks what a
// grader would see: no console errors or network, one row per learner, a score histogram counting every
// learner, failure rates, the speedup strips and the most common failures. Prints how long it took to load.
//   node class_test.mjs CLASS_HTML LEARNERS
import { launch, tally, watch } from "./harness.mjs";

const [page_path, learnersArg] = process.argv.slice(2);
const learners = Number(learnersArg);
if (!page_path || !learners) {
  console.error("usage: node class_test.mjs CLASS_HTML LEARNERS");
  process.exit(2);
}
const { expect, done } = tally();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const { errors, requests } = watch(page);
  const started = Date.now();
  await page.goto("file://" + page_path, { waitUntil: "load" });
  const wall = Date.now() - started;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return { load: nav.loadEventEnd, bytes: nav.transferSize || nav.decodedBodySize };
  });
  expect(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
  expect(requests.length === 0, `no network requests (${requests.join(", ") || "none"})`);
  const rows = await page.locator("#learners tbody tr").count();
  expect(rows === learners, `one row per learner (${rows} of ${learners})`);
  const counted = await page.evaluate(() =>
    [...document.querySelectorAll("svg.hist rect title")].reduce((sum, t) => sum + parseInt(t.textContent, 10), 0));
  expect(counted === learners, `the score histogram counts every learner (${counted})`);
  const rates = await page.locator("#rates tr").count();
  expect(rates > 0, `each check's failure rate (${rates} checks)`);
  const common = await page.locator("#failures li").count();
  expect(common > 0 && common <= 10, `the most common failures (${common})`);
  const dots = await page.locator("svg[aria-label^='speedups of'] circle").count();
  expect(dots > 0, `speedup strips (${dots} speedups)`);
  console.log(`class page of ${learners} learner(s): load event at ${timing.load.toFixed(0)} ms (${wall} ms wall, goto to load)`);
} finally {
  await browser.close();
}
done();
