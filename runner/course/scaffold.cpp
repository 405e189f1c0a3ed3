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

constexpr std::string_view kOmpCommon = R"(#include <chrono>
#include <cstdint>

#include <fmt/format.h>
#include <parex/seed.hpp>

constexpr int kItems = 4000;

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
  const bool omp = model == Model::openmp;
  const std::string common = fmt::format(fmt::runtime(omp ? kOmpCommon : kCommon));
  write_file_atomically(dir / "case.toml", fmt::format(fmt::runtime(omp ? kOmpCaseToml : kCaseToml),
                                                       fmt::arg("name", name), fmt::arg("title", title)));
  write_file_atomically(dir / "serial.cpp", common + fmt::format(fmt::runtime(omp ? kOmpSerial : kSerial)));
  write_file_atomically(dir / "parallel.cpp", common + fmt::format(fmt::runtime(omp ? kOmpParallel : kParallel)));
  write_file_atomically(dir / "starter.cpp", common + fmt::format(fmt::runtime(omp ? kOmpStarter : kStarter)));
  write_file_atomically(dir / "README.md",
                        fmt::format(fmt::runtime(omp ? kOmpReadme : kReadme), fmt::arg("title", title)));
  return dir;
}

}  // namespace parex
