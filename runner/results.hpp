// The serialising layer: parex-result/1 JSON, written atomically.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "grade.hpp"

namespace parex {

inline constexpr std::string_view kResultSchema = "parex-result/1";

nlohmann::json to_json(const Run& run);
nlohmann::json to_json(const CheckResult& check);
nlohmann::json to_json(const VariantResult& result);

// Writes `text` to `path` via a temporary file and rename, so readers never see half a file.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// <results_dir>/<case>/<variant>.json; returns the path written.
std::filesystem::path write_result(const VariantResult& result, const std::filesystem::path& results_dir);

}  // namespace parex
