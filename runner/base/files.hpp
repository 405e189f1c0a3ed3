// The base layer's file helpers: whole-file reads and writes, atomic writes, and folder listings.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace parex {

// The whole of a file's bytes; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Writes text to path, making its folder; throws when it cannot.
void write_file(const std::filesystem::path& path, std::string_view text);

// Writes `text` to `path` via a temporary file and rename, so readers never see half a file.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// The regular files below dir, relative to it, sorted; hidden folders, __pycache__ and *.pyc left out.
std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir);

}  // namespace parex
