// Where parex finds its own files: installed under <prefix>/share/parex, or in the source tree it was built from.
#pragma once

#include <filesystem>

namespace parex {

// The Python helpers that case programs import (PAREX_SUPPORT_PYTHON overrides).
std::filesystem::path support_python_dir();

// parex's source release, what a learner edition carries (PAREX_SOURCE_RELEASE overrides).
std::filesystem::path parex_source_release();

// The report scripts: render.py, exports.py, class_report.py (PAREX_REPORTS overrides).
std::filesystem::path reports_dir();

}  // namespace parex
