#include "grade/runs.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "base/digest.hpp"
#include "base/install_paths.hpp"
#include "checks/hang_explain.hpp"
#include "checks/races.hpp"
#include "grade/baseline_cache.hpp"
#include "grade/mpi.hpp"
#include "spawn/hang_capture.hpp"
#include "spawn/sysinfo.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// SHA-256 of a file's bytes in lowercase hex, "" when it cannot be read.
std::string file_digest(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  Sha256 sha;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    sha.update(std::string_view(buffer, static_cast<std::size_t>(in.gcount())));
  return sha.hex();
}

// The runs of one grade, made in the plan's order through the executor; what they show gathers in `out`.
class RunMaker {
 public:
  RunMaker(const CaseSpec& spec, const grading::Plan& plan, const GradeOptions& options, const Executor& execute,
           VariantResult& result)
      : spec_(spec), plan_(plan), options_(options), execute_(execute), result_(result) {
    out_.evidence.cores = result.machine.cores;
    out_.evidence.ranks = plan.participants.back().ranks;
    out_.evidence.repetitions = result.repetitions;
  }

  grading::Runs make() {
    warmups();
    const int first_pair = reused_first_pair() ? 1 : 0;
    pairs(first_pair);
    adaptive_pairs();
    benchmark_retries();
    scaling();
    races();
    if (out_.tampered.empty()) record_baselines();
    return std::move(out_);
  }

 private:
  const grading::Participant& graded() const { return plan_.participants.back(); }

  // The seed of the runs at `index` (warmup rounds, then pairs; a scaling repetition shares its pair's): drawn once
  // per index, the same for every participant, or the one --seed gives; none for a case without [inputs].
  std::optional<std::uint64_t> seed_for(int index) {
    if (!spec_.random_seed) return std::nullopt;
    if (options_.seed) return options_.seed;
    auto [at, drawn] = seeds_.try_emplace(index, 0);
    if (drawn) at->second = std::uniform_int_distribution<std::uint64_t>(0, kMaxSeed)(random_);
    return at->second;
  }
  bool stopped() const { return !out_.tampered.empty() || !out_.sealed.empty(); }

  void warmups() {
    for (int w = 0; w < spec_.warmup; ++w)
      for (const auto& p : plan_.participants) run_one(p, w, false);
  }

  // An expected-to-fail variant (a catalog's starter, a foil) most often seals its verdict on its first graded run,
  // and of that pair's baseline run the grade then uses only what it printed: the same program, run moments ago by
  // another grade of the case, printed it too. Its first graded run then goes first, beside that recorded run; only
  // when the verdict stays open does the baseline run here, and every pair after it as always. True when the first
  // pair was made so.
  bool reused_first_pair() {
    std::vector<const grading::Participant*> keyed;
    for (const auto& p : plan_.participants)
      if (!p.baseline_key.empty()) keyed.push_back(&p);
    if (result_.expect != Expect::fail || spec_.warmup != 0 || keyed.empty() || !out_.sealed.empty()) return false;
    std::vector<Run> reused;
    for (const auto* p : keyed)
      if (auto recorded = load_recorded_baseline(options_.baseline_cache, p->variant->name, p->baseline_key,
                                                 grading::kRecordedBaselineMaxAge_s);
          recorded && recorded->runs.front().outcome == Outcome::ok) {
        Run run = std::move(recorded->runs.front());
        run.index = 0;
        run.reused_from = recorded->from;
        reused.push_back(std::move(run));
      }
    if (reused.size() != keyed.size()) return false;
    // The graded run takes the seed its recorded baselines ran with, so that the pair compares like with like; a
    // seed they do not share (or lack, or that --seed overrides) makes no pair.
    if (spec_.random_seed) {
      const auto seed = reused.front().seed;
      for (const auto& run : reused)
        if (!run.seed || run.seed != seed || (options_.seed && run.seed != options_.seed)) return false;
      seeds_[spec_.warmup] = *seed;
    }
    for (const auto& run : reused) out_.evidence.baselines[run.variant].push_back(run);
    run_one(graded(), spec_.warmup, true);
    if (!out_.sealed.empty() && !result_.runs.empty() && result_.runs.back().role == Role::graded) {
      result_.runs.insert(result_.runs.end() - 1, reused.begin(), reused.end());  // shown as the pair they made
    } else {
      for (const auto& run : reused) out_.evidence.baselines.erase(run.variant);
      for (const auto& p : plan_.participants)
        if (p.role == Role::baseline) run_one(p, spec_.warmup, true);
    }
    return true;
  }

  // Baseline and graded runs alternate so that drift of the machine's speed hits both alike.
  void pairs(int first) {
    for (int rep = first; rep < plan_.pairs; ++rep)
      for (const auto& p : plan_.participants)
        if (!p.once || rep < plan_.graded_runs) run_one(p, spec_.warmup + rep, true);
  }

  bool undecided() const {
    return std::any_of(spec_.checks.begin(), spec_.checks.end(),
                       [&](const CheckSpec& c) { return speedup_undecided(c, out_.evidence); });
  }

  // An undecided speedup (its interval straddles the threshold, or disturbed pairs want replacing) gets more pairs,
  // up to max_repetitions.
  void adaptive_pairs() {
    int pairs = plan_.pairs;
    while (!plan_.benchmark && out_.sealed.empty() && pairs < plan_.max_pairs && undecided()) {
      for (const auto& p : plan_.participants) run_one(p, spec_.warmup + pairs, true);
      ++pairs;
    }
    result_.pairs = out_.sealed.empty() ? pairs : static_cast<int>(out_.evidence.graded.size());
    result_.stopped_early = out_.sealed;
  }

  // A benchmark program measures itself, once: a run the hypervisor disturbed is run again, for a quiet one.
  void benchmark_retries() {
    for (int runs = 1; plan_.benchmark && runs < grading::kMaxQuietTries && undecided(); ++runs)
      for (const auto& p : plan_.participants)
        if (p.once) run_one(p, spec_.warmup + runs, true);
  }

  // A scaling check: the graded variant again, on 1, 2, 4, ... CPUs, the points of a repetition run one after the
  // other so that drift hits them alike. The last point, all the cores the runs get, is what the graded runs
  // already measured (the same CPUs, the same PAREX_CORES): they serve as it, and it is not run again.
  void scaling() {
    const int cores = result_.machine.cores;
    if (!std::any_of(spec_.checks.begin(), spec_.checks.end(),
                     [](const CheckSpec& c) { return c.kind == CheckKind::scaling; }) ||
        cores < 2 || !out_.sealed.empty())
      return;
    // An interval needs 3 points: with 2 (a 2-CPU machine) the 1-CPU point runs once, and again only while a
    // disturbance leaves it without a quiet run.
    const std::vector<int> points = scaling_points(cores);
    const int repetitions = points.size() >= 3 ? result_.repetitions : 1;
    for (int rep = 0; rep < repetitions; ++rep)
      for (int workers : points)
        if (workers < cores) run_one(graded(), spec_.warmup + rep, true, workers);
    auto unquiet = [&] {
      const auto one = out_.evidence.scaling.find(1);
      return one != out_.evidence.scaling.end() && std::all_of(one->second.begin(), one->second.end(), disturbed);
    };
    for (int rep = repetitions;
         points.size() < 3 && rep < grading::kMaxQuietTries && out_.tampered.empty() && unquiet(); ++rep)
      run_one(graded(), spec_.warmup + rep, true, 1);
    if (out_.sealed.empty() && out_.tampered.empty()) out_.evidence.scaling[cores] = out_.evidence.graded;
  }

  // A races check: the graded variant's ThreadSanitizer build (<variant>.tsan beside it), run once and untimed, its
  // reports on the stderr the runner captures (checks/races.hpp), after the pairs and whatever sealed the verdict:
  // a wrong total's race is what explains it. TSan slows a program 5-15x: its timeout is the case's times
  // kTsanSlowdown. Its shadow memory is reserved address space, so only a memory cgroup limits it, and ASLR is off.
  void races() {
    if (!out_.tampered.empty() || !graded().variant->compiled || !spec_.has_check(CheckKind::races)) return;
    SpawnRequest request = request_for(graded(), 0, seed_for(spec_.warmup));
    std::string& program = request.argv.at(graded().program_at);
    program += kTsanSuffix;
    request.timeout_s = spec_.timeout_s * kTsanSlowdown;
    request.env.push_back({"TSAN_OPTIONS", kTsanOptions});
    request.limit_address_space = false;
    request.randomize_addresses = false;
    Run run;
    if (std::error_code ec; !fs::is_regular_file(program, ec)) {
      run.outcome = Outcome::spawn_error;
      run.error =
          fmt::format("{} is missing: the case's build makes it for a races check (rebuild the catalog)", program);
    } else {
      run = execute_(request);
      finish_ranks(graded(), run);
    }
    run.seed = seed_for(spec_.warmup);
    if (run.hang) explain_hang(*run.hang);
    run.variant = graded().variant->name;
    run.role = Role::races;
    run.counted = false;
    if (options_.on_run) options_.on_run(run);
    result_.runs.push_back(run);
    out_.evidence.races = std::move(run);
  }

  // The baseline runs made here, recorded for the case's next grade (any of them that failed is not).
  void record_baselines() {
    for (const auto& p : plan_.participants) {
      if (p.baseline_key.empty()) continue;
      const auto found = out_.evidence.baselines.find(p.variant->name);
      if (found == out_.evidence.baselines.end()) continue;
      const std::vector<Run>& runs = found->second;
      if (!runs.empty() && runs.front().reused_from.empty() &&
          std::all_of(runs.begin(), runs.end(), [](const Run& r) { return r.outcome == Outcome::ok; }))
        record_baseline(options_.baseline_cache, p.variant->name, p.baseline_key,
                        fmt::format("{}/{}", spec_.name, result_.variant), runs);
    }
  }

  // A baseline is the program the build made: checked against its recorded digest before each of its runs, as
  // a graded program could have replaced or changed it since (a runner with no sandbox leaves the bin folder
  // writable to it). "" when it is.
  static std::string tampering(const grading::Participant& p) {
    if (p.built_digest.empty()) return "";
    const std::string now = file_digest(p.command.argv.at(p.program_at));
    if (now == p.built_digest) return "";
    return fmt::format(
        "baseline '{}' is not the program the build made ({}): its SHA-256 is {}, the build recorded {}; "
        "rebuild, and grade sandboxed",
        p.variant->name, p.command.argv.at(p.program_at), now.empty() ? "unreadable" : now.substr(0, 16),
        p.built_digest.substr(0, 16));
  }

  // `workers` > 0: a scaling check's run, confined to that many CPUs and told so (PAREX_CORES).
  SpawnRequest request_for(const grading::Participant& p, int workers, std::optional<std::uint64_t> seed) const {
    SpawnRequest request;
    request.argv = p.command.argv;
    if (seed)
      for (auto& word : request.argv)
        for (std::size_t at; (at = word.find("{seed}")) != std::string::npos;)
          word.replace(at, 6, std::to_string(*seed));
    request.cwd = p.command.cwd;
    request.timeout_s = spec_.timeout_s;
    request.limits = spec_.limits;
    request.capture = spec_.capture;
    request.sandbox = p.sandbox;
    // The case's own files, and headers it shares with a sibling case (pool_bench's ../pool_map/work.hpp).
    request.source_roots = {spec_.dir, spec_.dir.parent_path()};
    std::string pythonpath = support_python_dir().string();
    if (const char* existing = std::getenv("PYTHONPATH"); existing && *existing)
      pythonpath += std::string(":") + existing;
    // PAREX_CORES: what the threshold counts as available, so that a pool sizes itself to it rather than
    // to the host's CPU count (os.cpu_count() ignores affinity and cgroup quotas).
    request.env = {{"PAREX_TIME_SCALE", fmt::format("{}", result_.time_scale)},
                   {"PAREX_CORES", std::to_string(workers > 0 ? workers : result_.machine.cores)},
                   // and an OpenMP team the same size: libgomp would otherwise count the CPUs of its affinity, which a
                   // cgroup quota or a shared machine's load does not narrow
                   {"OMP_NUM_THREADS", std::to_string(workers > 0 ? workers : result_.machine.cores)},
                   {"PYTHONPATH", pythonpath},
                   // a Python program dumps its stack on it when the run hangs (cases/support/python/sitecustomize.py)
                   {"PAREX_STACK_SIGNAL", std::to_string(spawn::python_stack_signal())}};
    request.env.insert(request.env.end(), p.command.env.begin(), p.command.env.end());
    if (seed) request.env.push_back({"PAREX_SEED", std::to_string(*seed)});
    if (workers > 0)
      request.cpus.assign(plan_.cpus.begin(), plan_.cpus.begin() + std::min<std::size_t>(workers, plan_.cpus.size()));
    else
      request.cpus = plan_.confined;
    // an MPI variant's scaling point is as many ranks as it has CPUs: mpirun's -np (grade/mpi.hpp's argv)
    if (p.ranks > 0 && workers > 0) request.argv.at(kMpiRanksAt) = std::to_string(ranks_of(p, workers));
    // Open MPI reserves address space it may never use (shared-memory segments, its threads' malloc arenas): under
    // RLIMIT_AS a rank's MPI_Init fails now and then, and mpirun hangs in its abort. Only a memory cgroup limits an
    // MPI run (docs/authoring-cases.md, "MPI").
    if (p.ranks > 0) request.limit_address_space = false;
    // How a program buffers its output is part of what is graded: the grader's shell must not change it.
    request.unset = {"PYTHONUNBUFFERED"};
    // The seed is the runner's to give: a grader's own PAREX_SEED never reaches a case that draws none.
    if (!seed) request.unset.push_back("PAREX_SEED");
    request.pass_env = run_environment(options_.pass_env);
    if (p.sandbox.enabled && sandbox_support().available) {
      // The private scratch is the only writable place: a compiled program's working folder, TMPDIR and HOME.
      request.env.insert(request.env.end(), {{"TMPDIR", "/tmp"}, {"HOME", "/tmp"}});
      request.cwd = p.variant->command.empty() ? fs::path("/tmp") : p.sandbox.workdir;
    }
    return request;
  }

  // The ranks an MPI variant's run starts: the plan's, or on a scaling check's point as many as its CPUs allow.
  static int ranks_of(const grading::Participant& p, int workers) {
    return workers > 0 ? effective_ranks(p.variant->ranks, workers) : p.ranks;
  }

  // An MPI variant's run: its lines attributed to their ranks, and how many it ran.
  static void finish_ranks(const grading::Participant& p, Run& run, int workers = 0) {
    if (p.ranks == 0) return;
    attribute_ranks(run.lines);
    run.ranks = ranks_of(p, workers);
  }

  // One run of `p`, unless the grade has stopped; a counted one is evidence, and a graded one may seal the verdict.
  void run_one(const grading::Participant& p, int index, bool counted, int workers = 0) {
    if (stopped()) return;
    if (out_.tampered = tampering(p); !out_.tampered.empty()) return;
    const std::optional<std::uint64_t> seed = seed_for(index);
    Run run = execute_(request_for(p, workers, seed));
    finish_ranks(p, run, workers);
    run.seed = seed;
    if (run.hang) explain_hang(*run.hang);
    run.variant = p.variant->name;
    run.role = p.role;
    run.workers = workers;
    run.index = index;
    run.counted = counted;
    if (options_.on_run) options_.on_run(run);
    result_.runs.push_back(run);
    if (!counted) return;
    if (workers > 0) {
      out_.evidence.scaling[workers].push_back(std::move(run));
      return;
    }
    if (p.role == Role::baseline) {
      out_.evidence.baselines[p.variant->name].push_back(std::move(run));
      return;
    }
    out_.evidence.graded.push_back(std::move(run));
    // A graded run that failed a check every run must pass sealed the verdict: more runs could not change it, so none
    // are run. A run check (it timed out, crashed, broke a limit, leaked) seals any variant: its score is 0 whatever
    // else is measured. A declared one (wrong output, one process) seals only a variant expected to fail, such as a
    // catalog's starter (one pair, not three): a submission's other checks still earn points, on every pair.
    if (auto failed = sealing_failure(spec_.checks, out_.evidence, result_.expect == Expect::fail)) {
      out_.sealed_by = failed->name;
      out_.sealed = fmt::format("'{}' failed ({}), and it must hold on every run", failed->name, failed->message);
    }
  }

  // Seeds stay below 2^53: a double, JSON's number in every reader, holds them exactly.
  static constexpr std::uint64_t kMaxSeed = (std::uint64_t{1} << 53) - 1;

  const CaseSpec& spec_;
  const grading::Plan& plan_;
  const GradeOptions& options_;
  const Executor& execute_;
  VariantResult& result_;
  grading::Runs out_;
  std::map<int, std::uint64_t> seeds_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

namespace grading {

Runs make_runs(const CaseSpec& spec, const Plan& plan, const GradeOptions& options, const Executor& execute,
               VariantResult& result) {
  return RunMaker(spec, plan, options, execute, result).make();
}

}  // namespace grading

std::vector<std::string> run_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> names = {"PATH", "HOME", "LANG", "TERM"};
  names.insert(names.end(), extra.begin(), extra.end());
  return names;
}

Executor measured_executor(bool timing) {
  return [timing](const SpawnRequest& request) {
    // The CPUs' time is read around timing runs only: a speedup pair measured while the hypervisor or other
    // processes took the CPUs measures the machine, and the speedup check leaves it out.
    const CpuTimes before = timing ? cpu_times() : CpuTimes{};
    const double own_before = timing ? own_cpu_seconds() : 0;
    Run run = spawn_and_record(request);
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
    return run;
  };
}

}  // namespace parex
