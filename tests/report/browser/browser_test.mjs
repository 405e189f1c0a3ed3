// Loads a parex report from file:// in headless Chromium and checks what a person would:
// no console errors, the status filter hides rows, following a row's link draws its section, and
// square_cube/parallel's timeline shows square and cube lines at the same time, a reused baseline run says whose
// it is, a races check draws each race's two accesses side by side with their stacks, and names that look like markup
// show as text. Saves screenshots.
//   node browser_test.mjs REPORT_HTML SCREENSHOT_PNG
import { launch, tally, watch } from "./harness.mjs";

const [report, screenshot] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error("usage: node browser_test.mjs REPORT_HTML SCREENSHOT_PNG");
  process.exit(2);
}
const { expect, done } = tally();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
  const { errors, requests } = watch(page);
  const dialogs = [];
  page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  await page.goto("file://" + report);

  expect(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
  expect(requests.length === 0, `no network requests (${requests.join(", ") || "none"})`);

  const rows = page.locator("table.variants tbody tr");
  const total = await rows.count();
  const notPassing = await page.locator('table.variants tbody tr:not([data-status="pass"])').count();
  expect(total > 0 && notPassing > 0, `the report has passing and other rows (${total} rows, ${notPassing} not passing)`);
  await page.selectOption("#filter-status", "pass");
  const visibleOthers = await page.locator('table.variants tbody tr:not([data-status="pass"]):visible').count();
  const visiblePassing = await page.locator('table.variants tbody tr[data-status="pass"]:visible').count();
  expect(visibleOthers === 0 && visiblePassing === total - notPassing,
         `filtering by "pass" hides the other rows (${visibleOthers} other visible, ${visiblePassing} passing visible)`);
  await page.selectOption("#filter-status", "");

  // Sections are drawn when they come into view: following the table's link draws square_cube/parallel's.
  // pool_map/parallel's scaling check is drawn: its points, Amdahl's curve and the ideal line.
  await page.click('table.variants a[href="#pool_map--parallel"]');
  await page.waitForSelector("#pool_map--parallel svg.scaling", { timeout: 5000 });
  const plot = await page.evaluate(() => {
    const svg = document.querySelector("#pool_map--parallel svg.scaling");
    return { points: svg.querySelectorAll("circle.point").length, fit: svg.querySelectorAll("polyline.fit").length,
             ideal: svg.querySelectorAll("line.ideal").length, label: svg.getAttribute("aria-label") };
  });
  expect(plot.points >= 2 && plot.fit === 1 && plot.ideal === 1,
         `pool_map/parallel's scaling plot has its points, fit and ideal line (${JSON.stringify(plot)})`);
  await page.click('table.variants a[href="#square_cube--parallel"]');
  await page.waitForSelector("#square_cube--parallel svg.timeline", { timeout: 5000 });
  const checks = await page.locator("#square_cube--parallel .check").count();
  expect(checks >= 5, `square_cube/parallel's section lists its checks (${checks})`);
  // Runs of a few milliseconds (global_isolation's) get ticks that say where they are, not "0.00s" six times.
  await page.click('table.variants a[href="#global_isolation--parallel"]');
  await page.waitForSelector("#global_isolation--parallel svg.timeline text.tick", { timeout: 5000 });
  const ticks = await page.evaluate(() =>
    [...document.querySelectorAll("#global_isolation--parallel svg.timeline")].filter((svg) => svg.querySelector("text.tick"))
      .map((svg) => [...svg.querySelectorAll("text.tick")].map((tick) => tick.textContent)));
  expect(ticks.length > 0 && ticks.every((axis) => new Set(axis).size === axis.length),
         `global_isolation/parallel's time axes have distinct ticks (${JSON.stringify(ticks[0] || [])})`);
  // pipe_deadlock/starter hangs: its section says where, with the wait-for graph and each process's stack.
  await page.click('table.variants a[href="#pipe_deadlock--starter"]');
  await page.waitForSelector("#pipe_deadlock--starter svg.hang-graph", { timeout: 5000 });
  const hang = await page.evaluate(() => {
    const section = document.getElementById("pipe_deadlock--starter");
    const svg = section.querySelector("svg.hang-graph");
    return { nodes: svg.querySelectorAll("circle.hang-node").length, edges: svg.querySelectorAll("path.hang-edge").length,
             why: [...section.querySelectorAll("p.hang-why")].map((p) => p.textContent),
             processes: [...section.querySelectorAll("details > summary")].map((s) => s.textContent).filter((t) => t.startsWith("pid ")) };
  });
  expect(hang.nodes >= 2 && hang.edges >= 1 && hang.why.length > 0 && hang.processes.length === hang.nodes &&
         hang.processes.every((p) => / at \S+:\d+/.test(p)),
         `pipe_deadlock/starter shows where it hung: ${hang.nodes} processes, ${hang.edges} wait-for edges, each with its line (${JSON.stringify(hang.processes)})`);
  // square_cube_py/starter reused the baseline run its reference recorded: its timeline and times say whose.
  await page.click('table.variants a[href="#square_cube_py--starter"]');
  await page.waitForSelector("#square_cube_py--starter svg.timeline", { timeout: 5000 });
  const reused = await page.evaluate(() => {
    const section = document.getElementById("square_cube_py--starter");
    return { timelines: [...section.querySelectorAll("svg.timeline")].map((svg) => svg.dataset.variant),
             times: [...section.querySelectorAll("svg[aria-label^='wall times of']")].map((svg) => svg.getAttribute("aria-label")) };
  });
  expect(reused.timelines.includes("serial #1 (recorded by square_cube_py/parallel)") &&
         reused.times.includes("wall times of serial (recorded by square_cube_py/parallel)"),
         `square_cube_py/starter's reused baseline run says whose it is (${JSON.stringify(reused)})`);
  // race_tally/starter's races check (golden results): each race's two accesses side by side, each with its stack,
  // innermost first and the system's frames dimmed; its ThreadSanitizer run listed, untimed, outside the timing figures.
  await page.click('table.variants a[href="#race_tally--starter"]');
  await page.waitForSelector("#race_tally--starter .race", { timeout: 5000 });
  const race = await page.evaluate(() => {
    const section = document.getElementById("race_tally--starter");
    const box = section.querySelector(".race");
    const sides = [...box.querySelectorAll(".race-access")].map((side) => {
      const { left, right, top } = side.getBoundingClientRect();
      return { left, right, top, head: side.querySelector(".race-access-head").textContent,
               frames: [...side.querySelectorAll("ol.stack > li")].map((li) =>
                 ({ text: li.textContent, system: li.classList.contains("system"), opacity: Number(getComputedStyle(li).opacity) })) };
    });
    return { on: box.querySelector(".race-on").textContent, races: section.querySelectorAll(".race").length, sides,
             other: [...section.querySelectorAll("ul.race-other li")].map((li) => li.textContent),
             timelines: [...section.querySelectorAll("svg.timeline[data-variant]")].map((svg) => svg.dataset.variant),
             times: [...section.querySelectorAll("svg[aria-label^='wall times of']")].map((svg) => svg.getAttribute("aria-label")),
             runs: [...section.querySelectorAll("details > summary")].map((summary) => summary.textContent) };
  });
  const [write, read] = race.sides;
  expect(race.races === 2 && race.sides.length === 2 && write.right <= read.left && Math.abs(write.top - read.top) < 1,
         `race_tally/starter draws its 2 races, the first one's two accesses side by side (${JSON.stringify(race.sides.map(({ left, right, top }) => ({ left, right, top })))})`);
  expect(race.on === "Data race 1 on counter — reported 2 times" && write.head === "write of 8 bytes by thread T2 at starter.cpp:14" &&
         read.head === "read of 8 bytes by thread T3 at starter.cpp:14" && race.other.join() === "thread leak",
         `the race says its variable, how often it was reported, each access's kind, size, thread and line (${JSON.stringify([race.on, write.head, read.head, race.other])})`);
  expect([write, read].every(({ frames }) => frames.length === 4 && frames[0].text === "work() /src/cases/race_tally/starter.cpp:14" &&
         !frames[0].system && frames[0].opacity === 1 && frames.slice(1).every((frame) => frame.system && frame.opacity < 1)),
         `each access has its stack, innermost first, the frames under /usr/ and libstdc++ dimmed (${JSON.stringify(write.frames)})`);
  expect(!race.timelines.some((label) => label.includes("ThreadSanitizer")) && !race.times.some((label) => label.includes("ThreadSanitizer")) &&
         race.runs.some((summary) => summary.startsWith("ThreadSanitizer run of starter (not timed) — races")),
         `the ThreadSanitizer run is listed with the runs, not timed (${JSON.stringify([race.timelines, race.times, race.runs])})`);
  await page.locator("#race_tally--starter .race").first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-races.png"), fullPage: false });
  // race_names/starter's variable, function and warnings look like markup: they must show as text, and run nothing.
  await page.click('table.variants a[href="#race_names--starter"]');
  await page.waitForSelector("#race_names--starter .race", { timeout: 5000 });
  const names = await page.evaluate(() => {
    const section = document.getElementById("race_names--starter");
    return { variable: section.querySelector(".race code.variable").textContent,
             location: section.querySelector(".race .race-location").textContent,
             function: section.querySelector(".race ol.stack .function").textContent,
             other: [...section.querySelectorAll("ul.race-other li")].map((li) => li.textContent),
             markup: section.querySelectorAll("img, b, script, a").length };
  });
  expect(names.variable === "<img src=x onerror=alert(1)>" && names.location === "global '<img src=x onerror=alert(1)>' of size 8" &&
         names.function === "operator<<(Sink&, <b>bold</b>)" && names.other.join("|") === "<script>alert(2)</script>|[click](javascript:alert(3))" &&
         names.markup === 0 && dialogs.length === 0,
         `race_names/starter's names are drawn as text (${JSON.stringify(names)}; dialogs: ${JSON.stringify(dialogs)})`);
  expect(errors.length === 0 && dialogs.length === 0, `no console errors or dialogs after drawing the sections (${errors.concat(dialogs).join("; ") || "none"})`);
  await page.locator("#pipe_deadlock--starter svg.hang-graph").scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-hang.png"), fullPage: false });
  await page.click('table.variants a[href="#square_cube--parallel"]');

  const spans = await page.evaluate(() => {
    const section = document.getElementById("square_cube--parallel");
    if (!section) return null;
    const out = [];
    for (const svg of section.querySelectorAll("svg.timeline[data-variant^='parallel']")) {
      const times = (lane) => [...svg.querySelectorAll(`line.mark[data-lane='${lane}']`)].map((m) => Number(m.dataset.t));
      out.push({ square: times("^square"), cube: times("^cube") });
    }
    return out;
  });
  expect(spans !== null && spans.length > 0, "square_cube/parallel has graded timelines");
  for (const [i, run] of (spans || []).entries()) {
    const overlap = Math.min(Math.max(...run.square), Math.max(...run.cube)) - Math.max(Math.min(...run.square), Math.min(...run.cube));
    expect(run.square.length === 6 && run.cube.length === 6 && overlap > 0,
           `parallel run ${i + 1}: 6 square and 6 cube marks whose time spans overlap (${overlap.toFixed(3)} s)`);
  }
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await browser.close();
}
done();
