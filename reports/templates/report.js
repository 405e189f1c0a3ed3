// Filtering and sorting of the variants table; works from file:// with no network.
(function () {
  const table = document.querySelector("table.variants");
  if (!table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const status = document.getElementById("filter-status");
  const tag = document.getElementById("filter-tag");
  function apply() {
    let shown = 0;
    for (const row of rows) {
      const okStatus = !status.value || row.dataset.status === status.value;
      const okTag = !tag.value || row.dataset.tags.split(" ").includes(tag.value);
      row.hidden = !(okStatus && okTag);
      if (!row.hidden) shown++;
    }
    document.getElementById("shown-count").textContent = shown + " of " + rows.length + " shown";
  }
  status.addEventListener("change", apply);
  tag.addEventListener("change", apply);
  table.querySelectorAll("th[data-key]").forEach((th) => {
    th.setAttribute("aria-sort", "none");
    th.addEventListener("click", () => {
      const key = th.dataset.key;
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[data-key]").forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const value = (row) => row.dataset[key] || "";
      rows.sort((a, b) => {
        const x = value(a), y = value(b);
        const nx = parseFloat(x), ny = parseFloat(y);
        const cmp = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
        return ascending ? cmp : -cmp;
      });
      rows.forEach((row) => table.tBodies[0].appendChild(row));
    });
  });
  apply();
})();
