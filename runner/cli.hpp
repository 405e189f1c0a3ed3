// The parex command line; main() only calls this.
#pragma once

namespace parex {

// Runs the CLI and returns the process exit code (0 ok, 1 a graded variant missed its expect, 2 usage or catalog
// error).
int run_cli(int argc, char** argv);

}  // namespace parex
