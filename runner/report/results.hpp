// The serialising layer: parex-result/1 JSON, written atomically.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "data/result.hpp"

namespace parex {

inline constexpr std::string_view kResultSchema = "parex-result/1";

nlohmann::json to_json(const Hang& hang);
nlohmann::json to_json(const Run& run);
// A run as to_json wrote it, but its hang (a run that hung is never read back); nullopt when `json` is not one.
// A flood's omitted lines stay omitted.
std::optional<Run> run_from_json(const nlohmann::json& json);
nlohmann::json to_json(const CheckResult& check);
nlohmann::json to_json(const VariantResult& result);

// The JSON text of `json` (indented by `indent` spaces; -1: one line). Strings hold whatever bytes a program
// printed, and those need not be UTF-8: a byte that is not valid UTF-8 becomes U+FFFD, and so does a truncated
// sequence (one U+FFFD), so that a result is always written (a strict dump would throw on the first such byte).
std::string dump_json(const nlohmann::json& json, int indent = -1);

// <results_dir>/<case>/<variant>.json; returns the path written.
std::filesystem::path write_result(const VariantResult& result, const std::filesystem::path& results_dir);

}  // namespace parex
