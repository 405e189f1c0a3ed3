// Matching throughput of the runner's patterns: RE2 (parex::regex) against std::regex (what the runner used
// before), on one long line and on many short ones. Bytes/s is the figure; the target is at least 20 MiB/s
// (50 ms per MiB of output per pattern). std::regex runs only where it survives: on a long line it recurses
// once per character and dies of a stack overflow, so its "long line" rows stop at 16 KiB.
#include <regex>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "match/filecheck.hpp"
#include "match/regex.hpp"

namespace {

// Patterns an author plausibly writes, each greedy or nested.
const char* const kPatterns[] = {"result: .*done", "^(.*x done|end)$", "(a+)+b", "[a-z]+[0-9]"};

std::string long_line(std::size_t size) { return "result: " + std::string(size, 'x') + " done"; }

std::string many_lines(std::size_t total) {
  std::string text;
  for (int i = 0; text.size() < total; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

void BM_Re2_LongLine(benchmark::State& state) {
  const parex::regex::Pattern pattern(kPatterns[state.range(0)]);
  const std::string line = long_line(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(pattern.search(line));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
BENCHMARK(BM_Re2_LongLine)->ArgsProduct({{0, 1, 2, 3}, {16 << 10, 1 << 20, 4 << 20}})->Unit(benchmark::kMillisecond);

void BM_StdRegex_LongLine(benchmark::State& state) {
  const std::regex pattern(kPatterns[state.range(0)], std::regex::ECMAScript);
  const std::string line = long_line(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(std::regex_search(line, pattern));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
// (a+)+b is left out: on 16 KiB of 'x' it is quick, but on 26 'a's it takes seconds (BM_*_Nested).
BENCHMARK(BM_StdRegex_LongLine)->ArgsProduct({{0, 1, 3}, {1 << 10, 16 << 10}})->Unit(benchmark::kMillisecond);

// Lines of the form the in_order and interleaved checks see: each line searched on its own.
void BM_Re2_ManyLines(benchmark::State& state) {
  const parex::regex::Pattern pattern(kPatterns[state.range(0)]);
  const std::string text = many_lines(1 << 20);
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    lines.push_back(std::string_view(text).substr(at, end - at));
    at = end + 1;
  }
  for (auto _ : state)
    for (auto line : lines) benchmark::DoNotOptimize(pattern.search(line));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
BENCHMARK(BM_Re2_ManyLines)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

void BM_StdRegex_ManyLines(benchmark::State& state) {
  const std::regex pattern(kPatterns[state.range(0)], std::regex::ECMAScript);
  const std::string text = many_lines(1 << 20);
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  for (auto _ : state)
    for (const auto& line : lines) benchmark::DoNotOptimize(std::regex_search(line, pattern));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
BENCHMARK(BM_StdRegex_ManyLines)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

// The catastrophic case: (a+)+b on n 'a's and no 'b'.
void BM_Re2_Nested(benchmark::State& state) {
  const parex::regex::Pattern pattern("(a+)+b");
  const std::string line(static_cast<std::size_t>(state.range(0)), 'a');
  for (auto _ : state) benchmark::DoNotOptimize(pattern.search(line));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_Re2_Nested)->Arg(20)->Arg(26)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_StdRegex_Nested(benchmark::State& state) {
  const std::regex pattern("(a+)+b", std::regex::ECMAScript);
  const std::string line(static_cast<std::size_t>(state.range(0)), 'a');
  for (auto _ : state) benchmark::DoNotOptimize(std::regex_search(line, pattern));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_StdRegex_Nested)->Arg(16)->Arg(20)->Unit(benchmark::kMillisecond);

// The filecheck check end to end: parse, translate, canonicalise and match.
void BM_FileCheck(benchmark::State& state) {
  static const char* const kChecks[] = {"CHECK: {{.*}}done\n", "CHECK: result: {{.*}}\nCHECK-NOT: {{(a+)+b}}\n",
                                        "CHECK: line {{[0-9]+}}\nCHECK: line 99999{{$}}\n"};
  const std::string input = state.range(1) == 0 ? long_line(1 << 20) + "\n" : many_lines(1 << 20) + "line 99999\n";
  for (auto _ : state) benchmark::DoNotOptimize(parex::filecheck::run(kChecks[state.range(0)], input));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.SetLabel(
      fmt::format("{} on {}", state.range(0), state.range(1) == 0 ? "one 1 MiB line" : "1 MiB of short lines"));
}
BENCHMARK(BM_FileCheck)->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
