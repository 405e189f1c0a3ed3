// Where parex finds its own files: installed under <prefix>/share/parex, or in the source tree it was built from.
#pragma once

#include <filesystem>
#include <string>

namespace parex {

// The Python helpers that case programs import (PAREX_SUPPORT_PYTHON overrides).
std::filesystem::path support_python_dir();

// parex's source release, what a learner edition carries (PAREX_SOURCE_RELEASE overrides).
std::filesystem::path parex_source_release();

// The report scripts: render.py, exports.py, class_report.py (PAREX_REPORTS overrides).
std::filesystem::path reports_dir();

// A Python 3 for the report scripts: PAREX_PYTHON, else /usr/bin/python3, else python3 on PATH;
// with_jinja2 asks for one that imports Jinja2. Empty when there is none.
std::string report_python(bool with_jinja2);

}  // namespace parex
