// CSV cells for spreadsheets: RFC 4180 quoting, and OWASP's rule against CSV (formula) injection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parex {

// A text cell (a learner's name, a case, a status): quoted when it holds a comma, a quote, CR or LF (quotes
// doubled); one that begins with =, +, -, @, tab or CR is quoted behind a ' so that no spreadsheet runs it.
std::string csv_text(std::string_view text);

// A number parex computed, as {:g} writes it, never quoted.
std::string csv_number(double value);

// One record: `cells` (each already csv_text or csv_number) joined by commas, ended by a line feed.
std::string csv_row(const std::vector<std::string>& cells);

}  // namespace parex
