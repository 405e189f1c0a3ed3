#include "grade/grade.hpp"

#include "grade/score.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "grade/baseline_cache.hpp"
#include "build/build.hpp"
#include "base/digest.hpp"
#include "checks/hang_explain.hpp"
#include "base/install_paths.hpp"
#include "grade/machine_lock.hpp"
#include "spawn/spawn.hpp"
#include "spawn/hang_capture.hpp"
#include "spawn/sysinfo.hpp"
#include "catalog/case_files.hpp"

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

// SHA-256 of a file's bytes in lowercase hex, "" when it cannot be read.
std::string file_digest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  Sha256 sha;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) sha.update(std::string_view(buffer, static_cast<std::size_t>(in.gcount())));
  return sha.hex();
}

// The digest the build recorded beside an executable (<exe>.sha256, written by ParexCatalog.cmake), "" if none.
std::string recorded_digest(const std::filesystem::path& executable) {
  std::ifstream in(executable.string() + ".sha256");
  std::string digest;
  in >> digest;
  return digest.size() == 64 ? digest : "";
}

// How long a baseline's recorded runs stand in for its own (docs/extensions.md, "Reused baseline runs"): a ctest
// session's grades of one case follow each other within seconds.
constexpr double kRecordedBaselineMaxAge_s = 600;

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
  sha.update(fmt::format("{} {} {} {} {} [{}]\n", built_digest, sandboxed, time_scale, spec.timeout_s, cores, fmt::join(cpus, ",")));
  sha.update(files_digest(spec.dir) + files_digest(support_python_dir()));
  return sha.hex();
}

// Runs of a benchmark program, or of a scaling check's lone 1-CPU point, at most, while disturbances spoil them
// (docs/extensions.md).
constexpr int kMaxQuietTries = 3;

// What a run of `variant` must not see, and the folders under /tmp it needs kept (docs/process-control.md):
// the other variants' executables, the hidden variants' sources, parex itself, and what the caller adds.
// The folder an interpreter lives in with its libraries (…/bin/python3 -> …), found as exec would find it.
fs::path interpreter_prefix(const std::string& program) {
  std::error_code ec;
  const fs::path found = find_on_path(program);
  if (found.empty()) return {};
  const fs::path real = fs::canonical(found, ec);
  return ec ? fs::path() : real.parent_path().parent_path();
}

SandboxRequest sandbox_for(const CaseSpec& spec, const VariantSpec& variant, const GradeOptions& options,
                           const Command& command) {
  SandboxRequest sandbox;
  sandbox.enabled = options.sandbox && spec.sandbox;
  if (!sandbox.enabled) return sandbox;
  sandbox.hide = options.hide;
  for (const auto& [name, other] : spec.variants)
    if (name != variant.name && other.compiled) sandbox.hide.push_back(options.bin_dir / name);
  for (const auto& file : hidden_sources(spec, variant.name)) sandbox.hide.push_back(spec.dir / file);
  std::error_code ec;
  if (fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec) sandbox.hide.push_back(self);
  // What the run needs where the sandbox covers a folder (/tmp, the grader's home): its executable's folder,
  // its case folder, the support modules, and an interpreter that lives there (pyenv's, in root's home).
  sandbox.keep = {fs::absolute(options.bin_dir), fs::absolute(spec.dir), support_python_dir()};
  if (!variant.command.empty() && !command.argv.empty())
    if (fs::path prefix = interpreter_prefix(command.argv.front()); !prefix.empty()) sandbox.keep.push_back(prefix);
  // A script variant runs in a working folder of its own holding its script and the case's shared files (a module
  // the variants import, say): not its neighbours' scripts or sources, nor case.toml and the README.
  if (!variant.command.empty()) {
    std::set<std::string> others;  // what belongs to another variant: its script, its source, its folder
    for (const auto& [name, other] : spec.variants) {
      if (name == variant.name) continue;
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

Command command_for(const CaseSpec& spec, const VariantSpec& variant, const fs::path& bin_dir, const std::string& python) {
  Command command;
  if (!variant.command.empty()) {
    command.argv = variant.command;
    command.cwd = spec.dir;
    // The build's interpreter, resolved to its real executable: a pyenv shim on PATH costs 0.2 s a start,
    // the same on both sides of a speedup ratio, which drags a 2x program's ratio below 1.8.
    if (!python.empty() && runs_python(command.argv)) command.argv[0] = python;
  } else {
    fs::path exe = bin_dir / variant.name;
    if (!fs::exists(exe)) {
      command.error = fmt::format("no executable {}: build the case first (cmake --build <build-dir>, target "
                                  "parex_{}_{}), or pass --bin-dir",
                                  exe.string(), spec.name, variant.name);
      return command;
    }
    command.argv = {fs::absolute(exe).string()};
  }
  command.argv.insert(command.argv.end(), variant.args.begin(), variant.args.end());
  return command;
}

void apply_score(const CaseSpec& spec, VariantResult& result) {
  CaseScore score = score_checks(spec, result.checks, result.status == Status::build_error || result.status == Status::missing,
                                 result.status == Status::error);
  if (result.status == Status::missing) score.gate = "the submission does not hold this case: it scores 0";
  result.score = score.score;
  result.max_score = score.max_score;
  result.score_gate = score.gate;
  result.score_summary = score.summary;
}

VariantResult unrun_result(const CaseSpec& spec, const std::string& variant, Status status, std::string why) {
  VariantResult result;
  result.case_name = spec.name;
  result.variant = variant;
  result.title = spec.title;
  result.about = spec.about;
  result.tags = spec.tags;
  result.expect = spec.variants.at(variant).expect.value_or(Expect::pass);
  result.status = status;
  result.error = std::move(why);
  result.machine = machine_info();
  result.started_at = utc_timestamp();
  result.time_scale = spec.time_scale;
  result.repetitions = spec.repetitions;
  apply_score(spec, result);
  return result;
}

std::vector<std::string> run_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> names = {"PATH", "HOME", "LANG", "TERM"};
  names.insert(names.end(), extra.begin(), extra.end());
  return names;
}

VariantResult grade_variant(const CaseSpec& spec, const std::string& variant_name, const GradeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  VariantResult result;
  result.case_name = spec.name;
  result.variant = variant_name;
  result.title = spec.title;
  result.about = spec.about;
  result.tags = spec.tags;
  result.machine = machine_info();
  result.started_at = utc_timestamp();
  result.time_scale = options.time_scale.value_or(spec.time_scale);
  result.repetitions = options.repetitions.value_or(spec.repetitions);
  result.warmup = spec.warmup;
  result.timeout_s = spec.timeout_s;
  result.capture = spec.capture;
  const VariantSpec& variant = spec.variants.at(variant_name);
  result.expect = variant.expect.value_or(Expect::pass);
  auto finish = [&] {
    result.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    apply_score(spec, result);
    return result;
  };

  // A Google Benchmark program repeats internally: it runs once, asked for JSON. So does a baseline
  // variant that runs a check's baseline benchmark (baseline_variant).
  std::vector<std::string> benchmark_args;
  bool benchmark = false;
  std::set<std::string> benchmark_baselines;
  for (const auto& check : spec.checks)
    if (check.kind == CheckKind::benchmark_speedup) {
      benchmark = true;
      if (!check.baseline_variant.empty()) benchmark_baselines.insert(check.baseline_variant);
    }
  if (benchmark)
    benchmark_args = {"--benchmark_format=json", fmt::format("--benchmark_repetitions={}", result.repetitions)};

  struct Planned {
    const VariantSpec* variant;
    Role role;
    Command command;
    bool once;  // a benchmark program: runs with the graded one, not once per repetition
    SandboxRequest sandbox;
    std::string built_digest;  // a compiled baseline's SHA-256 as the build recorded it, read before any run
  };
  std::vector<Planned> participants;
  auto plan = [&](const VariantSpec& v, Role role) {
    Command command = command_for(spec, v, options.bin_dir,
                                  options.python.empty() && runs_python(v.command) ? path_python() : options.python);
    const bool once = role == Role::graded ? benchmark : benchmark_baselines.contains(v.name);
    if (once) command.argv.insert(command.argv.end(), benchmark_args.begin(), benchmark_args.end());
    SandboxRequest sandbox = sandbox_for(spec, v, options, command);
    std::string digest = role == Role::baseline && v.command.empty() && command.error.empty() && !command.argv.empty()
                             ? recorded_digest(command.argv.front())
                             : "";
    participants.push_back({&v, role, std::move(command), once, std::move(sandbox), std::move(digest)});
  };
  for (const auto& name : spec.baselines())
    if (name != variant_name) plan(spec.variants.at(name), Role::baseline);
  plan(variant, Role::graded);
  for (const auto& p : participants)
    if (!p.command.error.empty()) {
      result.error = p.command.error;
      return finish();
    }
  result.machine.sandbox = describe_sandbox(participants.back().sandbox);
  const bool sandboxed = participants.back().sandbox.enabled && sandbox_support().available;

  Evidence evidence;
  // A case that names the workers it grades (a speedup's `workers`) runs on that many CPUs where the machine has
  // more, baselines too: its thresholds then mean on 128 cores what they mean on 2 (docs/extensions.md, "Many
  // cores"). A cpuset cgroup holds the runs to them where there is one, else their affinity.
  const std::vector<int> cpus = usable_cpus();
  int named_workers = result.machine.cores;
  for (const auto& check : spec.checks)
    if ((check.kind == CheckKind::speedup || check.kind == CheckKind::benchmark_speedup) && check.workers)
      named_workers = std::min(named_workers, *check.workers);
  std::vector<int> confined;
  if (named_workers >= 1 && named_workers < result.machine.cores && static_cast<std::size_t>(named_workers) <= cpus.size())
    confined.assign(cpus.begin(), cpus.begin() + named_workers);
  if (!confined.empty()) {
    result.machine.cores = static_cast<int>(confined.size());
    result.machine.cpus = confined;
  }
  evidence.cores = result.machine.cores;
  evidence.repetitions = result.repetitions;
  const bool timing = spec.has_timing_check();
  // A baseline is the program the build made: checked against its recorded digest before each of its runs, as
  // a graded program could have replaced or changed it since (a runner with no sandbox leaves the bin folder
  // writable to it).
  std::string tampered;
  // A graded run that failed a check every run must pass sealed the verdict: more runs could not change it, so none
  // are run. A run check (it timed out, crashed, broke a limit, leaked) seals any variant: its score is 0 whatever
  // else is measured. A declared one (wrong output, one process) seals only a variant expected to fail, such as a
  // catalog's starter (one pair, not three): a submission's other checks still earn points, on every pair.
  std::string sealed, sealed_by;
  // `workers` > 0: a scaling check's run, confined to that many CPUs and told so (PAREX_CORES).
  auto run_one = [&](const Planned& p, int index, bool counted, int workers = 0) {
    if (!tampered.empty() || !sealed.empty()) return;
    if (!p.built_digest.empty()) {
      const std::string now = file_digest(p.command.argv.front());
      if (now != p.built_digest) {
        tampered = fmt::format("baseline '{}' is not the program the build made ({}): its SHA-256 is {}, the build "
                               "recorded {}; rebuild, and grade sandboxed",
                               p.variant->name, p.command.argv.front(), now.empty() ? "unreadable" : now.substr(0, 16),
                               p.built_digest.substr(0, 16));
        return;
      }
    }
    SpawnRequest request;
    request.argv = p.command.argv;
    request.cwd = p.command.cwd;
    request.timeout_s = spec.timeout_s;
    request.limits = spec.limits;
    request.capture = spec.capture;
    request.sandbox = p.sandbox;
    // The case's own files, and headers it shares with a sibling case (pool_bench's ../pool_map/work.hpp).
    request.source_roots = {spec.dir, spec.dir.parent_path()};
    std::string pythonpath = support_python_dir().string();
    if (const char* existing = std::getenv("PYTHONPATH"); existing && *existing) pythonpath += std::string(":") + existing;
    // PAREX_CORES: what the threshold counts as available, so that a pool sizes itself to it rather than
    // to the host's CPU count (os.cpu_count() ignores affinity and cgroup quotas).
    request.env = {{"PAREX_TIME_SCALE", fmt::format("{}", result.time_scale)},
                   {"PAREX_CORES", std::to_string(workers > 0 ? workers : result.machine.cores)},
                   {"PYTHONPATH", pythonpath},
                   // a Python program dumps its stack on it when the run hangs (cases/support/python/sitecustomize.py)
                   {"PAREX_STACK_SIGNAL", std::to_string(spawn::python_stack_signal())}};
    if (workers > 0) request.cpus.assign(cpus.begin(), cpus.begin() + std::min<std::size_t>(workers, cpus.size()));
    else request.cpus = confined;
    // How a program buffers its output is part of what is graded: the grader's shell must not change it.
    request.unset = {"PYTHONUNBUFFERED"};
    request.pass_env = run_environment(options.pass_env);
    if (sandboxed) {
      // The private scratch is the only writable place: a compiled program's working folder, TMPDIR and HOME.
      request.env.insert(request.env.end(), {{"TMPDIR", "/tmp"}, {"HOME", "/tmp"}});
      request.cwd = p.variant->command.empty() ? fs::path("/tmp") : p.sandbox.workdir;
    }
    // The CPUs' time is read around timing runs only: a speedup pair measured while the hypervisor or other
    // processes took the CPUs measures the machine, and the speedup check leaves it out.
    const CpuTimes before = timing ? cpu_times() : CpuTimes{};
    const double own_before = timing ? own_cpu_seconds() : 0;
    Run run = spawn_and_record(request);
    if (run.hang) explain_hang(*run.hang);
    if (before.busy_s >= 0 && run.wall_s > 0) {
      const CpuTimes after = cpu_times();
      const double capacity = run.wall_s * std::max(1, after.cpus);
      const double busy = after.busy_s - before.busy_s, own = run.user_s + run.sys_s + own_cpu_seconds() - own_before;
      if (after.busy_s >= 0 && busy >= 0) {
        run.stolen_share = std::max(0.0, after.stolen_s - before.stolen_s) / capacity;
        // PAREX_NO_LOAD_DETECTION: what a busy machine does to verdicts without it (tests/busy_machine.py).
        static const bool load_detection = [] {
          const char* off = std::getenv("PAREX_NO_LOAD_DETECTION");
          return !off || !*off || std::string_view(off) == "0";
        }();
        if (load_detection) {
          run.foreign_share = std::max(0.0, busy - own) / capacity;
          run.load_share = std::min(1.0, std::max(busy, own) / capacity);
        }
      }
    }
    run.variant = p.variant->name;
    run.role = p.role;
    run.workers = workers;
    run.index = index;
    run.counted = counted;
    if (options.on_run) options.on_run(run);
    result.runs.push_back(run);
    if (counted && workers > 0) {
      evidence.scaling[workers].push_back(std::move(run));
    } else if (counted) {
      if (p.role == Role::graded) evidence.graded.push_back(std::move(run));
      else evidence.baselines[p.variant->name].push_back(std::move(run));
      if (p.role == Role::graded)
        if (auto failed = sealing_failure(spec.checks, evidence, result.expect == Expect::fail)) {
          sealed_by = failed->name;
          sealed = fmt::format("'{}' failed ({}), and it must hold on every run", failed->name, failed->message);
        }
    }
  };

  // One timed grade at a time on this machine: another runner's timed runs would slow these, and these its.
  MachineLock machine_lock;
  if (timing) {
    machine_lock = MachineLock::acquire([&] {
      fmt::print(stderr, "parex: {}/{}: waiting for another parex's timed runs to end (lock {})\n", spec.name,
                 variant_name, machine_lock_path());
    });
    result.machine.lock_wait_s = machine_lock.held() ? machine_lock.waited_s() : -1;
  }

  const int graded_runs = benchmark ? 1 : result.repetitions;
  for (int w = 0; w < spec.warmup; ++w)
    for (const auto& p : participants) run_one(p, w, false);

  // An expected-to-fail variant (a catalog's starter, a foil) most often seals its verdict on its first graded run,
  // and of that pair's baseline run the grade then uses only what it printed: the same program, run moments ago by
  // another grade of the case, printed it too. Its first graded run then goes first, beside that recorded run; only
  // when the verdict stays open does the baseline run here, and every pair after it as always.
  std::map<const Planned*, std::string> baseline_keys;
  if (!options.baseline_cache.empty() && !benchmark)
    for (const auto& p : participants)
      if (p.role == Role::baseline)
        baseline_keys[&p] = baseline_key(spec, p.command, p.built_digest, p.sandbox.enabled && sandbox_support().available,
                                         result.time_scale, confined, result.machine.cores);
  std::vector<Run> reused;
  if (result.expect == Expect::fail && spec.warmup == 0 && !baseline_keys.empty() && sealed.empty()) {
    for (const auto& [p, key] : baseline_keys)
      if (auto recorded = load_recorded_baseline(options.baseline_cache, p->variant->name, key, kRecordedBaselineMaxAge_s);
          recorded && recorded->runs.front().outcome == Outcome::ok) {
        Run run = std::move(recorded->runs.front());
        run.index = 0;
        run.reused_from = recorded->from;
        reused.push_back(std::move(run));
      }
    if (reused.size() != baseline_keys.size()) reused.clear();
  }
  int first_pair = 0;
  if (!reused.empty()) {
    for (const auto& run : reused) evidence.baselines[run.variant].push_back(run);
    run_one(participants.back(), spec.warmup, true);
    if (!sealed.empty() && !result.runs.empty() && result.runs.back().role == Role::graded) {
      result.runs.insert(result.runs.end() - 1, reused.begin(), reused.end());  // shown as the pair they made
    } else {
      for (const auto& run : reused) evidence.baselines.erase(run.variant);
      reused.clear();
      for (const auto& p : participants)
        if (p.role == Role::baseline) run_one(p, spec.warmup, true);
    }
    first_pair = 1;
  }
  // Baseline and graded runs alternate so that drift of the machine's speed hits both alike.
  for (int rep = first_pair; rep < std::max(graded_runs, benchmark ? result.repetitions : 0); ++rep)
    for (const auto& p : participants)
      if (!p.once || rep < graded_runs) run_one(p, spec.warmup + rep, true);

  // An undecided speedup (its interval straddles the threshold) gets more pairs, up to max_repetitions.
  int pairs = std::max(graded_runs, benchmark ? result.repetitions : 0);
  int max_pairs = pairs;
  for (const auto& check : spec.checks)
    if (check.kind == CheckKind::speedup) max_pairs = std::max(max_pairs, check.max_repetitions.value_or(2 * result.repetitions));
  auto undecided = [&] {
    return std::any_of(spec.checks.begin(), spec.checks.end(), [&](const CheckSpec& c) { return speedup_undecided(c, evidence); });
  };
  while (!benchmark && sealed.empty() && pairs < max_pairs && undecided()) {
    for (const auto& p : participants) run_one(p, spec.warmup + pairs, true);
    ++pairs;
  }
  result.pairs = sealed.empty() ? pairs : static_cast<int>(evidence.graded.size());
  result.stopped_early = sealed;
  // A benchmark program measures itself, once: a run the hypervisor disturbed is run again, for a quiet one.
  for (int runs = 1; benchmark && runs < kMaxQuietTries && undecided(); ++runs)
    for (const auto& p : participants)
      if (p.once) run_one(p, spec.warmup + runs, true);

  // A scaling check: the graded variant again, on 1, 2, 4, ... CPUs, the points of a repetition run one after the
  // other so that drift hits them alike. The last point, all the cores the runs get, is what the graded runs
  // already measured (the same CPUs, the same PAREX_CORES): they serve as it, and it is not run again.
  if (std::any_of(spec.checks.begin(), spec.checks.end(), [](const CheckSpec& c) { return c.kind == CheckKind::scaling; }) &&
      result.machine.cores >= 2 && sealed.empty()) {
    // An interval needs 3 points: with 2 (a 2-CPU machine) the 1-CPU point runs once, and again only while a
    // disturbance leaves it without a quiet run.
    const std::vector<int> points = scaling_points(result.machine.cores);
    const int repetitions = points.size() >= 3 ? result.repetitions : 1;
    for (int rep = 0; rep < repetitions; ++rep)
      for (int workers : points)
        if (workers < result.machine.cores) run_one(participants.back(), spec.warmup + rep, true, workers);
    auto unquiet = [&] {
      const auto one = evidence.scaling.find(1);
      return one != evidence.scaling.end() && std::all_of(one->second.begin(), one->second.end(), disturbed);
    };
    for (int rep = repetitions; points.size() < 3 && rep < kMaxQuietTries && tampered.empty() && unquiet(); ++rep)
      run_one(participants.back(), spec.warmup + rep, true, 1);
    if (sealed.empty() && tampered.empty()) evidence.scaling[result.machine.cores] = evidence.graded;
  }

  if (!tampered.empty()) {
    result.error = tampered;
    return finish();
  }
  // The baseline runs made here, recorded for the case's next grade (any of them that failed is not).
  for (const auto& [p, key] : baseline_keys) {
    const auto found = evidence.baselines.find(p->variant->name);
    if (found == evidence.baselines.end()) continue;
    const std::vector<Run>& runs = found->second;
    if (!runs.empty() && runs.front().reused_from.empty() &&
        std::all_of(runs.begin(), runs.end(), [](const Run& r) { return r.outcome == Outcome::ok; }))
      record_baseline(options.baseline_cache, p->variant->name, key, fmt::format("{}/{}", spec.name, variant_name), runs);
  }
  // A run that could not start (its sandbox refused, exec failed), or whose runner was stopped, says nothing of the
  // program: the grader's fault.
  for (const auto& run : result.runs)
    if (run.outcome == Outcome::spawn_error || run.outcome == Outcome::runner_stopped) {
      result.error = fmt::format("{} #{}: {}", run.variant, run.index + 1, run.error);
      return finish();
    }
  for (const auto& check : spec.checks) result.checks.push_back(evaluate(check, evidence));
  // A speedup measured on fewer pairs than asked, because the verdict was sealed, is shown, not judged: one pair of an
  // interpreter's runs ranges 0.7-1.7x, and a check passed on it would earn points it never showed.
  if (!sealed.empty() && result.pairs < result.repetitions)
    for (auto& check : result.checks)
      if (check.kind == "speedup" && !check.cannot_judge) {
        check.passed = false;
        check.message = fmt::format("not judged: {} of {} pairs ran, as '{}' failed ({})", result.pairs,
                                    result.repetitions, sealed_by, check.message);
        check.detail.clear();
        check.data["sealed"] = true;
      }
  for (auto& check : implicit_checks(spec.checks, evidence)) result.checks.push_back(std::move(check));

  // A check that could not be judged makes the grade an error, unless another check failed: that verdict stands
  // (a starter on one CPU, or on a busy machine, still fails through its process checks).
  const bool failed_for_sure = std::any_of(result.checks.begin(), result.checks.end(),
                                           [](const CheckResult& c) { return !c.passed && !c.cannot_judge; });
  for (const auto& check : result.checks)
    if (check.cannot_judge && !failed_for_sure) {
      result.status = Status::error;
      result.error = fmt::format("{}: {}", check.name, check.message);
      return finish();
    }
  bool all_passed = std::all_of(result.checks.begin(), result.checks.end(), [](const CheckResult& c) { return c.passed; });
  result.status = (all_passed == (result.expect == Expect::pass)) ? Status::pass : Status::fail;
  return finish();
}

}  // namespace parex
