// Baseline runs one grade records for another grade of the same case to reuse (docs/extensions.md, "Reused
// baseline runs"): an expected-to-fail variant whose first graded run seals its verdict needs of its baseline
// only what a run of that same program printed moments ago.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/record.hpp"

namespace parex {

struct RecordedBaseline {
  std::string from;       // the grade that ran them: "<case>/<variant>"
  std::vector<Run> runs;  // counted, in the order they ran
};

// The runs of baseline `variant` recorded in `dir` under `key`, when recorded there less than `max_age_s` ago;
// nullopt when there are none, another key's, older ones, or the file is not one this runner wrote.
std::optional<RecordedBaseline> load_recorded_baseline(const std::filesystem::path& dir, const std::string& variant,
                                                       const std::string& key, double max_age_s);

// Records `runs` of baseline `variant` in `dir` under `key`, atomically; a failure to write loses only the reuse.
void record_baseline(const std::filesystem::path& dir, const std::string& variant, const std::string& key,
                     const std::string& from, const std::vector<Run>& runs);

}  // namespace parex
