#include "report/csv.hpp"

#include <fmt/format.h>

namespace parex {

std::string csv_text(std::string_view text) {
  // OWASP: a spreadsheet reads a cell that starts with one of these as a formula, even a quoted one.
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string cell = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') cell += '"';
    cell += c;
  }
  return cell + '"';
}

std::string csv_number(double value) { return fmt::format("{:g}", value); }

std::string csv_row(const std::vector<std::string>& cells) { return fmt::format("{}\n", fmt::join(cells, ",")); }

}  // namespace parex
