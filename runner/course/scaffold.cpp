#include "course/scaffold.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "base/files.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

constexpr std::string_view kCaseToml = R"(# {name}: see docs/authoring-cases.md for every key and check kind.
title = "{title}"
about = """
Two tasks, each sleeping between the lines it prints, run one after the other in
`serial.cpp`. Run them in two processes at the same time in `starter.cpp`.
"""
tags = ["process"]
time_scale = 0.05       # every parex::sleep_for is scaled by this: keeps the grade short
repetitions = 3         # counted runs of each graded variant and of each baseline
timeout = 30.0          # seconds for one run

[variants.starter]
expect = "fail"         # the exercise as handed out: must fail until it is solved

# parallel.cpp (the reference solution) is graded with expect = "pass" by default.

[[checks]]
kind = "speedup"        # median of baseline/graded wall-time ratios over paired runs
baseline = "serial"
at_least = 1.8

[[checks]]
kind = "same_lines"     # the same lines as the serial program, in any order
baseline = "serial"

[[checks]]
kind = "interleaved"    # both tasks print while the other does
patterns = ["^ping", "^pong"]
)";

constexpr std::string_view kCommon = R"(#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <parex/clock.hpp>
#include <parex/process.hpp>

using namespace std::chrono_literals;

// One task: prints `word` five times, one second apart (scaled by PAREX_TIME_SCALE).
void task(const char* word) {{
  for (int i = 1; i <= 5; ++i) {{
    parex::sleep_for(1s);
    fmt::print("{{}} {{}}\n", word, i);
    std::fflush(stdout);  // a pipe buffers stdout: flush so each line arrives when it is printed
  }}
}}
)";

constexpr std::string_view kSerial = R"(
int main() {{
  task("ping");
  task("pong");
}}
)";

constexpr std::string_view kParallel = R"(
int main() {{
  parex::Process ping(task, "ping");
  parex::Process pong(task, "pong");
  ping.start();
  pong.start();
  ping.join();
  pong.join();
}}
)";

constexpr std::string_view kStarter = R"(
int main() {{
  // Implement your code here: run task("ping") and task("pong") in two parex::Process
  // objects at the same time, then join both.
  task("ping");
  task("pong");
}}
)";

constexpr std::string_view kReadme = R"(# {title}

`serial.cpp` runs two tasks one after the other. Make `starter.cpp` run them in two
processes at the same time (`parex::Process`, `start()`, `join()`).

The checks demand:
- **speedup** >= 1.8 over `serial` (two tasks of equal length in parallel: about 2x);
- **same_lines**: the same lines as `serial`, in any order;
- **interleaved**: ping and pong lines arrive at the same time, not one block after the other.

Hint: start both processes before joining either.
)";

// --openmp: a loop over items, summed; the starter is serial, the solution one pragma with its reduction.
constexpr std::string_view kOmpCaseToml =
    R"(# {name}: an OpenMP case; see docs/authoring-cases.md for every key and check kind.
title = "{title}"
about = """
`serial.cpp` sums work(item) over 4000 items in one thread. In `starter.cpp`, spread the
loop over a team of threads with OpenMP, and keep the sum right.
"""
tags = ["openmp"]
repetitions = 3         # counted runs of each graded variant and of each baseline
timeout = 30.0          # seconds for one run

[inputs]
seed = "random"         # items drawn per pair of runs (parex::seed()): a sum no program knows in advance

[variants.starter]
expect = "fail"         # the exercise as handed out: must fail until it is solved

# parallel.cpp (the reference solution) is graded with expect = "pass" by default. Every variant that has
# `#pragma omp` is built with OpenMP: no CMake to write (docs/authoring-cases.md, "Build needs").

[[checks]]
kind = "speedup"        # median of baseline/graded wall-time ratios over paired runs
baseline = "serial"
efficiency = 0.75       # of the cores: 1.5x on 2

[[checks]]
kind = "same_lines"     # the same sum as the serial program on the same items
baseline = "serial"
ignore = "took"
)";

// The OpenMP and MPI cases' shared code: {items} items, each a chain of work.
constexpr std::string_view kSumCommon = R"(#include <chrono>
#include <cstdint>

#include <fmt/format.h>
#include <parex/seed.hpp>

constexpr int kItems = {items};

// One item's work: a chain of dependent multiply-adds, about 50 microseconds, that no compiler can shorten.
inline std::uint64_t work(std::uint64_t item) {{
  std::uint64_t state = item, sum = 0;
  for (std::uint64_t x = 0; x < 40000; ++x) {{
    state = state * 6364136223846793005ULL + x;
    sum += state >> 33;
  }}
  return sum;
}}

// Item i: i when run by hand; under parex, values the pair's seed chooses.
inline std::uint64_t item(int i) {{ return parex::seed().value_or(0) * kItems + static_cast<std::uint64_t>(i); }}
)";

constexpr std::string_view kOmpSerial = R"(
int main() {{
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
  for (int i = 0; i < kItems; ++i) sum += work(item(i));
  fmt::print("sum: {{}}\n", sum);
  fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}}
)";

constexpr std::string_view kOmpParallel = R"(
int main() {{
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
#pragma omp parallel for reduction(+ : sum)
  for (int i = 0; i < kItems; ++i) sum += work(item(i));
  fmt::print("sum: {{}}\n", sum);
  fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}}
)";

constexpr std::string_view kOmpStarter = R"(
int main() {{
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
  // Implement your code here: run this loop in a team of threads with one OpenMP pragma. The threads all add to
  // `sum`: tell OpenMP it is a sum over the loop, or additions are lost.
  for (int i = 0; i < kItems; ++i) sum += work(item(i));
  fmt::print("sum: {{}}\n", sum);
  fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}}
)";

constexpr std::string_view kOmpReadme = R"(# {title}

`serial.cpp` sums `work(item)` over 4000 items in one thread. Make `starter.cpp` spread the
loop over a team of threads with OpenMP.

The checks demand:
- **speedup**: 75% of a perfect speedup on the cores the case is graded on (1.5x on 2);
- **same_lines**: the same sum as `serial` on the same items (drawn from the pair's seed).

Hint: `#pragma omp parallel for` alone runs the loop in parallel, but every thread adds to the
one `sum` at once and additions are lost; `reduction(+ : sum)` gives each thread its own.
)";

// --mpi: the same sum over MPI ranks; the starter lets rank 0 do it all, the solution shares the items and reduces.
constexpr std::string_view kMpiCaseToml =
    R"(# {name}: an MPI case; see docs/authoring-cases.md ("MPI") for every key and check kind.
title = "{title}"
about = """
`serial.cpp` sums work(item) over 20000 items on one MPI rank. In `starter.cpp`, share the
items between the ranks and add up their sums with MPI_Reduce.
"""
tags = ["mpi"]
repetitions = 3         # counted runs of each graded variant and of each baseline
timeout = 30.0          # seconds for one run

[inputs]
seed = "random"         # items drawn per pair of runs (parex::seed()): a sum no program knows in advance

# Every variant runs under mpirun -np <ranks> (fewer where the machine has fewer cores); each includes <mpi.h>,
# so it is built with Open MPI: no CMake to write (docs/authoring-cases.md, "Build needs").
[variants.serial]
ranks = 1               # under mpirun too: its start is then on both sides of the speedup

[variants.parallel]
ranks = 2

[variants.starter]
ranks = 2
expect = "fail"         # the exercise as handed out: must fail until it is solved

[[checks]]
kind = "speedup"        # median of baseline/graded wall-time ratios over paired runs
baseline = "serial"
efficiency = 0.75       # of min(ranks, cores): 1.5x with 2 ranks

[[checks]]
kind = "same_lines"     # the same sum as the serial program on the same items
baseline = "serial"
ignore = "took"
)";

constexpr std::string_view kMpiSerial = R"(
int main(int argc, char** argv) {{
  MPI_Init(&argc, &argv);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
  for (int i = 0; i < kItems; ++i) sum += work(item(i));
  fmt::print("sum: {{}}\n", sum);
  fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  MPI_Finalize();
}}
)";

constexpr std::string_view kMpiParallel = R"(
int main(int argc, char** argv) {{
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t share = 0, sum = 0;
  for (int i = rank; i < kItems; i += ranks) share += work(item(i));  // every ranks-th item, from its own
  MPI_Reduce(&share, &sum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) {{
    fmt::print("sum: {{}}\n", sum);
    fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }}
  MPI_Finalize();
}}
)";

constexpr std::string_view kMpiStarter = R"(
int main(int argc, char** argv) {{
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
  // Implement your code here: rank 0 adds every item while the other ranks wait. Give each rank a share of the
  // items (from `rank` and `ranks`), and add the shares up on rank 0 with MPI_Reduce.
  if (rank == 0)
    for (int i = 0; i < kItems; ++i) sum += work(item(i));
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {{
    fmt::print("sum: {{}}\n", sum);
    fmt::print("took: {{:.3f}} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }}
  MPI_Finalize();
}}
)";

constexpr std::string_view kMpiReadme = R"(# {title}

`serial.cpp` sums `work(item)` over 20000 items on one MPI rank. Make `starter.cpp`, run as
2 ranks (`mpirun -np 2`), share the items between the ranks and add up their sums on rank 0
with `MPI_Reduce`.

The checks demand:
- **speedup**: 75% of a perfect speedup on its ranks (1.5x with 2);
- **same_lines**: the same sum as `serial` on the same items (drawn from the pair's seed).

Hint: each rank can take every `ranks`-th item starting from its own `rank`; only rank 0 prints.
)";

// Each model's files: every variant is `prelude`, then `common` (with its {items}), then its own code.
struct Templates {
  std::string_view case_toml, prelude, common, serial, parallel, starter, readme;
  int items = 0;
};

const Templates& templates_of(Model model) {
  static const Templates processes{kCaseToml, "", kCommon, kSerial, kParallel, kStarter, kReadme};
  static const Templates openmp{kOmpCaseToml, "", kSumCommon, kOmpSerial, kOmpParallel, kOmpStarter, kOmpReadme, 4000};
  // mpirun's start (~0.15 s) is on both sides of the speedup: five times the OpenMP case's work keeps it small
  static const Templates mpi{
      kMpiCaseToml, "#include <mpi.h>\n\n", kSumCommon, kMpiSerial, kMpiParallel, kMpiStarter, kMpiReadme, 20000};
  switch (model) {
    case Model::openmp:
      return openmp;
    case Model::mpi:
      return mpi;
    case Model::processes:
      break;
  }
  return processes;
}

}  // namespace

fs::path scaffold_case(const std::string& name, const fs::path& catalog, Model model) {
  bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid) throw std::invalid_argument(fmt::format("'{}' is not a case name: use [a-z0-9_]+, e.g. 'my_case'", name));
  fs::path dir = catalog / name;
  if (fs::exists(dir)) throw std::invalid_argument(fmt::format("{} already exists: pick another name", dir.string()));
  std::string title = name;
  std::replace(title.begin(), title.end(), '_', ' ');
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  const Templates& t = templates_of(model);
  const std::string common = std::string(t.prelude) + fmt::format(fmt::runtime(t.common), fmt::arg("items", t.items));
  write_file_atomically(dir / "case.toml",
                        fmt::format(fmt::runtime(t.case_toml), fmt::arg("name", name), fmt::arg("title", title)));
  write_file_atomically(dir / "serial.cpp", common + fmt::format(fmt::runtime(t.serial)));
  write_file_atomically(dir / "parallel.cpp", common + fmt::format(fmt::runtime(t.parallel)));
  write_file_atomically(dir / "starter.cpp", common + fmt::format(fmt::runtime(t.starter)));
  write_file_atomically(dir / "README.md", fmt::format(fmt::runtime(t.readme), fmt::arg("title", title)));
  return dir;
}

}  // namespace parex
