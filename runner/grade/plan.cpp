#include "grade/plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "base/digest.hpp"
#include "base/install_paths.hpp"
#include "build/build.hpp"
#include "catalog/case_files.hpp"
#include "checks/races.hpp"
#include "grade/mpi.hpp"
#include "spawn/sysinfo.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// The python3 on PATH, resolved to its real executable (sys.executable), once per runner: a pyenv shim on PATH
// costs ~0.2 s and a dozen processes a start, on both sides of every speedup ratio (ctest passes the build's
// resolution as --python; this is the same for a hand-run `parex run` or `parex grade`). "" when it cannot be.
std::string path_python() {
  static const std::string resolved = [] {
    const BuildOutcome asked = run_build_command({"python3", "-c", "import sys; print(sys.executable)"});
    const auto last = last_lines(asked.log, 1);  // the last line: a warning on stderr may come first
    if (!asked.ok || last.empty()) return std::string();
    const std::string& executable = last.front();
    return !executable.empty() && executable.front() == '/' && ::access(executable.c_str(), X_OK) == 0 ? executable
                                                                                                       : std::string();
  }();
  return resolved;
}

// A command the python3/python of a case runs: the one `--python` (or the resolved python3 on PATH) replaces.
bool runs_python(const std::vector<std::string>& argv) {
  return !argv.empty() && (argv.front() == "python3" || argv.front() == "python");
}

// The digest the build recorded beside an executable (<exe>.sha256, written by ParexCatalog.cmake), "" if none.
std::string recorded_digest(const std::filesystem::path& executable) {
  std::ifstream in(executable.string() + ".sha256");
  std::string digest;
  in >> digest;
  return digest.size() == 64 ? digest : "";
}

// What a baseline run's record depends on: this runner, the program and what it reads (the case's folder, the
// support modules, the executable the build made), and the settings of the run (scale, CPUs, sandbox).
std::string baseline_key(const CaseSpec& spec, const Command& command, const std::string& built_digest, bool sandboxed,
                         double time_scale, const std::vector<int>& cpus, int cores) {
  Sha256 sha;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const auto self_time = ec ? fs::file_time_type{} : fs::last_write_time(self, ec);
  sha.update(fmt::format("parex {} {} {} {}\n", PAREX_VERSION, self.string(), ec ? 0 : fs::file_size(self, ec),
                         self_time.time_since_epoch().count()));
  sha.update(fmt::format("{}\n{}\n", fmt::join(command.argv, "\x1f"), command.cwd.string()));
  sha.update(fmt::format("{} {} {} {} {} [{}]\n", built_digest, sandboxed, time_scale, spec.timeout_s, cores,
                         fmt::join(cpus, ",")));
  sha.update(files_digest(spec.dir) + files_digest(support_python_dir()));
  return sha.hex();
}

// The folder an interpreter lives in with its libraries (…/bin/python3 -> …), found as exec would find it.
fs::path interpreter_prefix(const std::string& program) {
  std::error_code ec;
  const fs::path found = find_on_path(program);
  if (found.empty()) return {};
  const fs::path real = fs::canonical(found, ec);
  return ec ? fs::path() : real.parent_path().parent_path();
}

// What a script variant's runs are told of the rule on imports, for cases/support/python/sitecustomize.py to name it
// when one imports a hidden variant's module: PAREX_HIDDEN_MODULES (module=variant, ...) and the modules of the
// variants learners also have. Not the submission variant's runs: a learner's program is not told the names of what
// is held out from learners (edition.cpp leaves them out of its case.toml too), and a missing module is right for it.
std::vector<std::pair<std::string, std::string>> import_rule(const CaseSpec& spec, const VariantSpec& variant) {
  if (variant.command.empty() || (spec.submission && spec.submission->variant == variant.name)) return {};
  const std::set<std::string> held_out = held_out_variants(spec);
  const std::vector<std::string> own = variant_modules(spec, variant);
  std::set<std::string> hidden_names;
  std::vector<std::string> hidden, importable;
  for (const auto& [name, other] : spec.variants)
    if (name != variant.name && held_out.contains(name))
      for (const auto& module : variant_modules(spec, other))
        if (std::find(own.begin(), own.end(), module) == own.end() && hidden_names.insert(module).second)
          hidden.push_back(module + "=" + name);
  for (const auto& [name, other] : spec.variants)
    if (name != variant.name && !held_out.contains(name))
      for (const auto& module : variant_modules(spec, other))
        if (!hidden_names.contains(module)) importable.push_back(module);
  if (hidden.empty()) return {};
  return {{"PAREX_HIDDEN_MODULES", fmt::format("{}", fmt::join(hidden, ","))},
          {"PAREX_IMPORTABLE_MODULES", fmt::format("{}", fmt::join(importable, ","))}};
}

// What a run of `variant` must not see, and the folders under /tmp it needs kept (docs/process-control.md):
// the other variants' executables, the hidden variants' sources, parex itself, and what the caller adds.
SandboxRequest sandbox_for(const CaseSpec& spec, const VariantSpec& variant, const GradeOptions& options,
                           const Command& command) {
  SandboxRequest sandbox;
  sandbox.enabled = options.sandbox && spec.sandbox;
  if (!sandbox.enabled) return sandbox;
  sandbox.hide = options.hide;
  for (const auto& [name, other] : spec.variants)
    if (name != variant.name && other.compiled) {
      sandbox.hide.push_back(options.bin_dir / name);
      sandbox.hide.push_back(options.bin_dir / (name + kTsanSuffix));  // its ThreadSanitizer build, where it has one
    }
  for (const auto& file : hidden_sources(spec, variant.name)) sandbox.hide.push_back(spec.dir / file);
  std::error_code ec;
  if (fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec) sandbox.hide.push_back(self);
  // What the run needs where the sandbox covers a folder (/tmp, the grader's home): its executable's folder,
  // its case folder, the support modules, and an interpreter that lives there (pyenv's, in root's home).
  sandbox.keep = {fs::absolute(options.bin_dir), fs::absolute(spec.dir), support_python_dir()};
  if (!variant.command.empty() && !command.argv.empty())
    if (fs::path prefix = interpreter_prefix(command.argv.front()); !prefix.empty()) sandbox.keep.push_back(prefix);
  // A script variant runs in a working folder of its own holding its script and the case's shared files (a module
  // the variants import, say), the scripts and sources of the variants learners also have among them: not those of
  // the hidden variants, nor case.toml and the README.
  if (!variant.command.empty()) {
    std::set<std::string> others;  // what belongs to a hidden variant: its script, its source, its folder
    for (const auto& name : held_out_variants(spec)) {
      if (name == variant.name) continue;
      const VariantSpec& other = spec.variants.at(name);
      others.insert(name + ".cpp");
      others.insert(name);
      for (std::size_t i = 1; i < other.command.size(); ++i) others.insert(other.command[i]);
    }
    std::set<std::string> own(variant.command.begin() + 1, variant.command.end());
    sandbox.workdir = fs::path("/tmp/work") / spec.name;
    for (const auto& entry : fs::directory_iterator(spec.dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (own.contains(name) || (!others.contains(name) && name != "case.toml" && !name.starts_with("README") &&
                                 !name.starts_with(".") && name != "__pycache__"))
        sandbox.work_files.push_back(entry.path());
    }
    std::sort(sandbox.work_files.begin(), sandbox.work_files.end());
  }
  return sandbox;
}

}  // namespace

Command command_for(const CaseSpec& spec, const VariantSpec& variant, const fs::path& bin_dir,
                    const std::string& python) {
  Command command;
  if (!variant.command.empty()) {
    command.argv = variant.command;
    command.cwd = spec.dir;
    command.env = import_rule(spec, variant);
    // The build's interpreter, resolved to its real executable: a pyenv shim on PATH costs 0.2 s a start,
    // the same on both sides of a speedup ratio, which drags a 2x program's ratio below 1.8.
    if (!python.empty() && runs_python(command.argv)) command.argv[0] = python;
  } else {
    fs::path exe = bin_dir / variant.name;
    if (!fs::exists(exe)) {
      command.error = fmt::format(
          "no executable {}: build the case first (cmake --build <build-dir>, target "
          "parex_{}_{}), or pass --bin-dir",
          exe.string(), spec.name, variant.name);
      return command;
    }
    command.argv = {fs::absolute(exe).string()};
  }
  command.argv.insert(command.argv.end(), variant.args.begin(), variant.args.end());
  return command;
}

namespace grading {

Plan plan_grade(const CaseSpec& spec, const VariantSpec& variant, const GradeOptions& options, VariantResult& result) {
  Plan plan;
  // A Google Benchmark program repeats internally: it runs once, asked for JSON. So does a baseline
  // variant that runs a check's baseline benchmark (baseline_variant).
  std::vector<std::string> benchmark_args;
  std::set<std::string> benchmark_baselines;
  for (const auto& check : spec.checks)
    if (check.kind == CheckKind::benchmark_speedup) {
      plan.benchmark = true;
      if (!check.baseline_variant.empty()) benchmark_baselines.insert(check.baseline_variant);
    }
  if (plan.benchmark)
    benchmark_args = {"--benchmark_format=json", fmt::format("--benchmark_repetitions={}", result.repetitions)};

  auto add = [&](const VariantSpec& v, Role role) {
    Command command = command_for(spec, v, options.bin_dir,
                                  options.python.empty() && runs_python(v.command) ? path_python() : options.python);
    const bool once = role == Role::graded ? plan.benchmark : benchmark_baselines.contains(v.name);
    if (once) command.argv.insert(command.argv.end(), benchmark_args.begin(), benchmark_args.end());
    SandboxRequest sandbox = sandbox_for(spec, v, options, command);
    std::string digest = role == Role::baseline && v.command.empty() && command.error.empty() && !command.argv.empty()
                             ? recorded_digest(command.argv.front())
                             : "";
    plan.participants.push_back({&v, role, std::move(command), once, std::move(sandbox), std::move(digest), ""});
  };
  for (const auto& name : spec.baselines())
    if (name != variant.name) add(spec.variants.at(name), Role::baseline);
  add(variant, Role::graded);
  for (const auto& p : plan.participants)
    if (!p.command.error.empty()) {
      plan.error = p.command.error;
      return plan;
    }
  result.machine.sandbox = describe_sandbox(plan.participants.back().sandbox);

  // A case that names the workers it grades (a speedup's `workers`) runs on that many CPUs where the machine has
  // more, baselines too: its thresholds then mean on 128 cores what they mean on 2 (docs/extensions.md, "Many
  // cores"). A cpuset cgroup holds the runs to them where there is one, else their affinity.
  plan.cpus = usable_cpus();
  int named_workers = result.machine.cores;
  for (const auto& check : spec.checks)
    if ((check.kind == CheckKind::speedup || check.kind == CheckKind::benchmark_speedup) && check.workers)
      named_workers = std::min(named_workers, *check.workers);
  if (named_workers >= 1 && named_workers < result.machine.cores &&
      static_cast<std::size_t>(named_workers) <= plan.cpus.size())
    plan.confined.assign(plan.cpus.begin(), plan.cpus.begin() + named_workers);
  if (!plan.confined.empty()) {
    result.machine.cores = static_cast<int>(plan.confined.size());
    result.machine.cpus = plan.confined;
  }
  // An MPI variant runs under mpirun, as many ranks as it asks for and the runs have cores.
  for (auto& p : plan.participants) {
    if (p.variant->ranks == 0) continue;
    static const std::string mpirun = find_on_path("mpirun").string();
    if (mpirun.empty()) {
      plan.error = fmt::format(
          "variant '{}' is an MPI program (ranks = {}), run under mpirun, and there is none on PATH: "
          "apt-get install openmpi-bin",
          p.variant->name, p.variant->ranks);
      return plan;
    }
    p.ranks = effective_ranks(p.variant->ranks, result.machine.cores);
    const bool as_root = ::geteuid() == 0 && !(p.sandbox.enabled && sandbox_support().available);
    const std::size_t words = p.command.argv.size();
    p.command.argv = mpi_argv(mpirun, p.ranks, as_root, p.command.argv);
    p.program_at = p.command.argv.size() - words;
    const auto env = mpi_environment();
    p.command.env.insert(p.command.env.end(), env.begin(), env.end());
  }
  plan.timing = spec.has_timing_check();
  plan.graded_runs = plan.benchmark ? 1 : result.repetitions;
  plan.pairs = std::max(plan.graded_runs, plan.benchmark ? result.repetitions : 0);
  // An undecided speedup (its interval straddles the threshold) gets more pairs, up to max_repetitions.
  plan.max_pairs = plan.pairs;
  for (const auto& check : spec.checks)
    if (check.kind == CheckKind::speedup)
      plan.max_pairs = std::max(plan.max_pairs, check.max_repetitions.value_or(2 * result.repetitions));
  // Baselines recorded for the case's next grade, and reused from its last (docs/extensions.md).
  if (!options.baseline_cache.empty() && !plan.benchmark)
    for (auto& p : plan.participants)
      if (p.role == Role::baseline)
        p.baseline_key = baseline_key(spec, p.command, p.built_digest, p.sandbox.enabled && sandbox_support().available,
                                      result.time_scale, plan.confined, result.machine.cores);
  return plan;
}

}  // namespace grading
}  // namespace parex
