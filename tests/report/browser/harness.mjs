// What the browser checks share: Debian's chromium launched headless, a page's errors and network requests
// recorded, and a tally of named expectations.
import { chromium } from "playwright-core";

// Headless Chromium, with nothing that reaches out to the network by itself.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Records the console errors, page errors and non-file requests of a page.
export function watch(page) {
  const seen = { errors: [], requests: [] };
  page.on("console", (message) => { if (message.type() === "error") seen.errors.push(message.text()); });
  page.on("pageerror", (error) => seen.errors.push(String(error)));
  page.on("request", (request) => { if (!request.url().startsWith("file://")) seen.requests.push(request.url()); });
  return seen;
}

// expect(ok, what) prints each expectation; done() prints the tally and exits 0 only when all held.
export function tally() {
  const failures = [];
  return {
    expect(ok, what) {
      console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
      if (!ok) failures.push(what);
    },
    done() {
      console.log(`${failures.length === 0 ? 1 : 0} passed, ${failures.length === 0 ? 0 : 1} failed`);
      process.exit(failures.length === 0 ? 0 : 1);
    },
  };
}
