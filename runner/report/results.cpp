#include "report/results.hpp"

#include <cmath>

#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "base/files.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// Rounds to microseconds: more digits are noise and bloat the report.
double us(double seconds) { return std::round(seconds * 1e6) / 1e6; }

constexpr std::size_t kKeptFloodLines = 1000;

}  // namespace

nlohmann::json to_json(const Hang& hang) {
  nlohmann::json processes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (const auto& p : hang.processes) {
    nlohmann::json stack = nlohmann::json::array(), descriptors = nlohmann::json::array();
    for (const auto& frame : p.stack) {
      nlohmann::json f = {{"function", frame.function}};
      if (!frame.file.empty()) f["file"] = frame.file, f["line"] = frame.line;
      if (!frame.module.empty()) f["module"] = frame.module;
      stack.push_back(std::move(f));
    }
    for (const auto& d : p.descriptors) {
      descriptors.push_back({{"fd", d.fd}, {"object", d.object}, {"end", std::string(1, d.end)}});
      if (!d.peer.empty()) descriptors.back()["peer"] = d.peer;
    }
    nlohmann::json process = {{"pid", p.pid},
                              {"host_pid", p.host_pid},
                              {"ppid", p.ppid},
                              {"command", p.command},
                              {"state", std::string(1, p.state)},
                              {"syscall", p.syscall},
                              {"call", p.call},
                              {"where", p.where},
                              {"stack", stack},
                              {"descriptors", descriptors}};
    if (p.wait_for) process["wait_for"] = *p.wait_for;
    if (p.rank) process["rank"] = *p.rank;
    if (!p.mpi_call.empty()) process["mpi_call"] = p.mpi_call;
    if (p.launcher) process["launcher"] = true;
    if (!p.python_stack.empty()) process["python_stack"] = p.python_stack;
    if (!p.error.empty()) process["error"] = p.error;
    processes.push_back(std::move(process));
  }
  for (const auto& e : hang.edges) edges.push_back({{"from", e.from}, {"to", e.to}, {"why", e.why}});
  return {{"when", hang.when},      {"capture_s", std::round(hang.capture_s * 1e6) / 1e6},
          {"processes", processes}, {"edges", edges},
          {"cycle", hang.cycle},    {"explanation", hang.explanation}};
}

nlohmann::json to_json(const Run& run) {
  nlohmann::json lines = nlohmann::json::array(), probes = nlohmann::json::array(), leaked = nlohmann::json::array();
  // A run the output limit stopped printed (or probed) what nobody reads: its first and last lines and probe
  // records are kept, the rest counted, so that one flood does not make a 100 MB result (the checks saw them all).
  const bool flood = run.outcome == Outcome::output_limit;
  auto omitted_in_flood = [&](std::size_t i, std::size_t size) {
    return flood && size > 2 * kKeptFloodLines && i >= kKeptFloodLines && i < size - kKeptFloodLines;
  };
  std::size_t omitted = 0, probes_omitted = 0;
  for (std::size_t i = 0; i < run.lines.size(); ++i) {
    if (omitted_in_flood(i, run.lines.size())) {
      ++omitted;
      continue;
    }
    const Line& line = run.lines[i];
    nlohmann::json row = {{"t_s", us(line.t_s)}, {"stream", to_string(line.stream)}, {"text", line.text}};
    if (line.rank) row["rank"] = *line.rank;
    lines.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < run.probes.size(); ++i) {
    if (omitted_in_flood(i, run.probes.size())) {
      ++probes_omitted;
      continue;
    }
    const ProbeRecord& probe = run.probes[i];
    nlohmann::json record = {{"t_s", us(probe.t_s)}, {"pid", probe.pid}, {"name", probe.name}, {"value", probe.value}};
    if (probe.tid != probe.pid) record["tid"] = probe.tid;
    if (probe.host_pid && probe.host_pid != probe.pid) record["host_pid"] = probe.host_pid;
    if (probe.arrived_s >= 0 && std::abs(probe.arrived_s - probe.t_s) >= 0.001)
      record["arrived_s"] = us(probe.arrived_s);
    probes.push_back(std::move(record));
  }
  for (const auto& process : run.leaked) leaked.push_back({{"pid", process.pid}, {"cmdline", process.cmdline}});
  nlohmann::json json = {
      {"variant", run.variant},
      {"role", to_string(run.role)},
      {"index", run.index},
      {"counted", run.counted},
      {"wall_s", us(run.wall_s)},
      {"user_s", us(run.user_s)},
      {"sys_s", us(run.sys_s)},
      {"cpu_utilisation", run.wall_s > 0 ? std::round((run.user_s + run.sys_s) / run.wall_s * 1000) / 1000 : 0.0},
      {"exit_code", run.exit_code ? nlohmann::json(*run.exit_code) : nlohmann::json(nullptr)},
      {"signal", run.signal ? nlohmann::json(signal_name(*run.signal)) : nlohmann::json(nullptr)},
      {"timed_out", run.timed_out},
      {"outcome", to_string(run.outcome)},
      {"error", run.error},
      {"pid", run.pid},
      {"host_pid", main_of(run)},
      {"capture", run.capture},
      {"peak_processes", run.peak_processes},
      {"processes_created", run.processes_created ? nlohmann::json(*run.processes_created) : nlohmann::json(nullptr)},
      {"max_rss_kb", run.max_rss_kb},
      {"peak_memory_kb", run.peak_memory_kb},
      {"output_bytes", run.output_bytes},
      {"output_truncated", run.output_truncated},
      {"probe_bytes", run.probe_bytes},
      {"leaked", leaked},
      {"lines", lines},
      {"probes", probes},
      {"probes_forged", run.probes_forged},
  };
  if (omitted) json["lines_omitted"] = omitted;
  if (probes_omitted) json["probes_omitted"] = probes_omitted;
  if (run.stolen_share) json["stolen_share"] = std::round(*run.stolen_share * 1000) / 1000;
  if (run.workers > 0) json["workers"] = run.workers;
  if (run.ranks > 0) json["ranks"] = run.ranks;
  if (run.foreign_share) json["foreign_share"] = std::round(*run.foreign_share * 1000) / 1000;
  if (run.load_share) json["load_share"] = std::round(*run.load_share * 1000) / 1000;
  if (run.hang) json["hang"] = to_json(*run.hang);
  if (!run.reused_from.empty()) json["reused_from"] = run.reused_from;
  if (run.seed) json["inputs"] = {{"seed", *run.seed}};
  return json;
}

std::optional<Run> run_from_json(const nlohmann::json& json) {
  try {
    Run run;
    run.variant = json.at("variant").get<std::string>();
    const auto role = json.at("role").get<std::string>();
    run.role = role == "baseline" ? Role::baseline : role == "races" ? Role::races : Role::graded;
    run.index = json.at("index").get<int>();
    run.counted = json.at("counted").get<bool>();
    run.wall_s = json.at("wall_s").get<double>();
    run.user_s = json.at("user_s").get<double>();
    run.sys_s = json.at("sys_s").get<double>();
    if (!json.at("exit_code").is_null()) run.exit_code = json["exit_code"].get<int>();
    if (!json.at("signal").is_null()) {
      run.signal = signal_number(json["signal"].get<std::string>());
      if (!run.signal) return std::nullopt;
    }
    run.timed_out = json.at("timed_out").get<bool>();
    const std::string outcome = json.at("outcome").get<std::string>();
    bool known = false;
    for (Outcome o : {Outcome::ok, Outcome::exit_nonzero, Outcome::signal, Outcome::timeout, Outcome::output_limit,
                      Outcome::process_limit, Outcome::memory_limit, Outcome::spawn_error, Outcome::runner_stopped})
      if (to_string(o) == outcome) run.outcome = o, known = true;
    if (!known) return std::nullopt;
    run.error = json.at("error").get<std::string>();
    run.pid = json.at("pid").get<int>();
    run.host_pid = json.at("host_pid").get<int>();
    run.capture = json.at("capture").get<std::string>();
    run.peak_processes = json.at("peak_processes").get<int>();
    if (!json.at("processes_created").is_null()) run.processes_created = json["processes_created"].get<int>();
    run.max_rss_kb = json.at("max_rss_kb").get<long>();
    run.peak_memory_kb = json.at("peak_memory_kb").get<long>();
    run.output_bytes = json.at("output_bytes").get<std::size_t>();
    run.output_truncated = json.at("output_truncated").get<bool>();
    run.probe_bytes = json.value("probe_bytes", std::size_t{0});
    run.workers = json.value("workers", 0);
    run.ranks = json.value("ranks", 0);
    run.probes_forged = json.at("probes_forged").get<int>();
    for (const auto& p : json.at("leaked"))
      run.leaked.push_back({p.at("pid").get<int>(), p.at("cmdline").get<std::string>()});
    for (const auto& l : json.at("lines")) {
      run.lines.push_back({l.at("t_s").get<double>(),
                           l.at("stream").get<std::string>() == "stderr" ? Stream::err : Stream::out,
                           l.at("text").get<std::string>()});
      if (l.contains("rank")) run.lines.back().rank = l["rank"].get<int>();
    }
    for (const auto& p : json.at("probes")) {
      ProbeRecord record;
      record.t_s = p.at("t_s").get<double>();
      record.pid = p.at("pid").get<int>();
      record.tid = p.value("tid", record.pid);
      record.host_pid = p.value("host_pid", 0);
      record.name = p.at("name").get<std::string>();
      record.value = p.at("value").get<std::string>();
      record.arrived_s = p.value("arrived_s", record.t_s);
      run.probes.push_back(std::move(record));
    }
    for (auto [name, share] :
         {std::pair{"stolen_share", &Run::stolen_share}, std::pair{"foreign_share", &Run::foreign_share},
          std::pair{"load_share", &Run::load_share}})
      if (json.contains(name)) run.*share = json[name].get<double>();
    run.reused_from = json.value("reused_from", "");
    if (json.contains("inputs") && json["inputs"].contains("seed"))
      run.seed = json["inputs"]["seed"].get<std::uint64_t>();
    return run;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

nlohmann::json to_json(const CheckResult& check) {
  nlohmann::json json = {
      {"kind", check.kind},       {"name", check.name},     {"status", check.passed ? "pass" : "fail"},
      {"message", check.message}, {"detail", check.detail}, {"implicit", check.implicit}};
  if (check.measured) json["measured"] = std::round(*check.measured * 1e4) / 1e4;
  if (check.threshold) json["threshold"] = *check.threshold;
  if (!check.data.empty()) json["data"] = check.data;
  if (!check.hint.empty()) json["hint"] = check.hint;
  if (check.max_score) {
    json["score"] = check.score ? nlohmann::json(std::round(*check.score * 1e4) / 1e4) : nlohmann::json(nullptr);
    json["max_score"] = *check.max_score;
    json["visibility"] = check.visibility;
  }
  return json;
}

nlohmann::json to_json(const VariantResult& result) {
  nlohmann::json checks = nlohmann::json::array(), runs = nlohmann::json::array();
  for (const auto& check : result.checks) checks.push_back(to_json(check));
  for (const auto& run : result.runs) runs.push_back(to_json(run));
  return {
      {"schema", kResultSchema},
      {"case", result.case_name},
      {"variant", result.variant},
      {"title", result.title},
      {"about", result.about},
      {"tags", result.tags},
      {"expect", to_string(result.expect)},
      {"status", to_string(result.status)},
      {"error", result.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.error)},
      {"duration_s", us(result.duration_s)},
      {"machine",
       {{"cores", result.machine.cores},
        {"cpus_online", result.machine.cpus_online},
        {"time_scale", result.time_scale},
        {"started_at", result.started_at},
        {"hostname", result.machine.hostname},
        {"kernel", result.machine.kernel},
        {"containment", result.machine.containment},
        {"sandbox", result.machine.sandbox},
        {"lock_wait_s",
         result.machine.lock_wait_s ? nlohmann::json(us(*result.machine.lock_wait_s)) : nlohmann::json(nullptr)},
        {"cpus", result.machine.cpus.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.machine.cpus)}}},
      {"config",
       {{"repetitions", result.repetitions},
        {"pairs", result.pairs},
        {"stopped_early",
         result.stopped_early.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.stopped_early)},
        {"warmup", result.warmup},
        {"timeout", result.timeout_s},
        {"capture", to_string(result.capture)}}},
      {"score", result.score ? nlohmann::json(std::round(*result.score * 1e4) / 1e4) : nlohmann::json(nullptr)},
      {"max_score", result.max_score},
      {"score_gate", result.score_gate.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.score_gate)},
      {"checks", checks},
      {"runs", runs},
  };
}

std::string dump_json(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

fs::path write_result(const VariantResult& result, const fs::path& results_dir) {
  fs::path path = results_dir / result.case_name / (result.variant + ".json");
  write_file_atomically(path, dump_json(to_json(result), 1) + "\n");
  return path;
}

}  // namespace parex
