#include "grade/baseline_cache.hpp"

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "report/results.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

constexpr std::string_view kSchema = "parex-baseline-runs/1";

double now_s() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

fs::path file_of(const fs::path& dir, const std::string& variant) { return dir / (variant + ".json"); }

}  // namespace

std::optional<RecordedBaseline> load_recorded_baseline(const fs::path& dir, const std::string& variant,
                                                       const std::string& key, double max_age_s) {
  std::ifstream in(file_of(dir, variant));
  if (!in) return std::nullopt;
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.value("schema", "") != kSchema || json.value("key", "") != key) return std::nullopt;
  const double age = now_s() - json.value("recorded_at", 0.0);
  if (age < 0 || age > max_age_s || !json.contains("runs") || !json["runs"].is_array()) return std::nullopt;
  RecordedBaseline recorded;
  recorded.from = json.value("from", "");
  for (const auto& item : json["runs"]) {
    std::optional<Run> run = run_from_json(item);
    if (!run || run->variant != variant || run->role != Role::baseline || !run->counted) return std::nullopt;
    recorded.runs.push_back(std::move(*run));
  }
  if (recorded.runs.empty() || recorded.from.empty()) return std::nullopt;
  return recorded;
}

void record_baseline(const fs::path& dir, const std::string& variant, const std::string& key, const std::string& from,
                     const std::vector<Run>& runs) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& run : runs) items.push_back(to_json(run));
  const nlohmann::json json = {
      {"schema", kSchema}, {"key", key}, {"from", from}, {"recorded_at", now_s()}, {"runs", items}};
  try {
    fs::create_directories(dir);
    write_file_atomically(file_of(dir, variant), dump_json(json) + "\n");
  } catch (const std::exception&) {
    // The next grade runs its baseline itself.
  }
}

}  // namespace parex
