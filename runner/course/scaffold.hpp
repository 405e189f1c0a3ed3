// `parex new`: a case folder that builds, whose solution passes and whose starter fails.
#pragma once

#include <filesystem>
#include <string>

namespace parex {

// What the scaffolded case teaches: two processes that print while they sleep, an OpenMP loop and its reduction, or
// a sum shared between MPI ranks.
enum class Model { processes, openmp, mpi };

// Writes <catalog>/<name>/ (case.toml, serial.cpp, parallel.cpp, starter.cpp, README.md); throws with a
// message naming what to do when the name is invalid or the folder exists.
std::filesystem::path scaffold_case(const std::string& name, const std::filesystem::path& catalog,
                                    Model model = Model::processes);

}  // namespace parex
