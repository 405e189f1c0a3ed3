#include "build/build_jail.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "report/results.hpp"
#include "spawn/sandbox.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace parex {
namespace {

bool below(const fs::path& path, const fs::path& folder) {
  auto [end, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end();
}

// parex's CMake package as the workspace's find_package(parex) reads it: an installed prefix whole (it holds
// parex alone), or in a build tree its three config files, the source tree's cmake/ and the support headers.
std::vector<fs::path> package_paths() {
  std::error_code ec;
  const fs::path prefix = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
  for (const char* lib : {"lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"})
    if (fs::is_regular_file(prefix / lib / "cmake/parex/parexConfig.cmake", ec)) return {prefix};
  const fs::path build = PAREX_BINARY_DIR, source = PAREX_SOURCE_DIR;
  return {build / "parexConfig.cmake", build / "parexConfigVersion.cmake", build / "parexTargets.cmake",
          source / "cmake", source / "cases/support"};
}

// Where the build's programs are, for a root that holds them: a tool outside /usr brings its prefix.
fs::path tool_prefix(const fs::path& tool) {
  std::error_code ec;
  const fs::path found = tool.has_parent_path() ? tool : find_on_path(tool.string());
  const fs::path real = found.empty() ? fs::path() : fs::canonical(found, ec);
  if (ec || real.empty() || below(real, "/usr")) return {};
  return real.parent_path().parent_path();
}

}  // namespace

std::vector<SandboxRequest::Bind> build_root(const BuildJail& jail, const std::vector<fs::path>& tools) {
  std::vector<SandboxRequest::Bind> root;
  auto read_only = [&](const fs::path& path) { root.push_back({path, false, {}}); };
  // The toolchain. /bin, /sbin and /lib* are links into /usr on a merged-/usr system, folders elsewhere.
  for (const char* path : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) read_only(path);
  // Of /etc, what compiling needs: /usr/bin/c++ resolves through alternatives/, the loader reads its cache, and
  // Open MPI's compiler wrappers (CMake's FindMPI runs mpicxx) their defaults.
  for (const char* path : {"/etc/alternatives", "/etc/ld.so.cache", "/etc/openmpi"}) read_only(path);
  for (const auto& tool : tools)
    if (fs::path prefix = tool_prefix(tool); !prefix.empty()) read_only(prefix);
  for (const auto& path : package_paths()) read_only(path);
  read_only(jail.workspace / "CMakeLists.txt");
  read_only(jail.workspace / "catalog");
  root.push_back({jail.workspace / "build", true, {}});
  root.insert(root.end(), jail.also.begin(), jail.also.end());
  return root;
}

SpawnRequest jailed_request(std::vector<std::string> args, const BuildJail& jail) {
  SpawnRequest request;
  std::vector<fs::path> tools = {args.front()};
  for (const auto& arg : args)
    if (arg.starts_with("-DCMAKE_CXX_COMPILER=")) tools.push_back(arg.substr(21));
  request.argv = std::move(args);
  request.cwd = jail.workspace;
  // Nothing of the grader's environment but PATH: its tokens and secrets stay out of the compiler's reach.
  request.pass_env = std::vector<std::string>{"PATH"};
  request.env = {{"HOME", "/tmp"}, {"TMPDIR", "/tmp"}, {"LANG", "C.UTF-8"}};
  request.timeout_s = jail.timeout_s;
  request.limits = jail.limits;
  request.max_file_bytes = jail.max_file_bytes;
  request.sandbox.enabled = jail.sandbox;
  request.sandbox.root = build_root(jail, tools);
  request.sandbox.scratch_mb = 1024;  // a compiler's temporary files (-pipe aside) for a large translation unit
  return request;
}

nlohmann::json to_json(const SpawnRequest& request) {
  nlohmann::json root = nlohmann::json::array();
  for (const auto& bind : request.sandbox.root) {
    root.push_back({{"path", bind.path.string()}, {"writable", bind.writable}});
    if (!bind.source.empty()) root.back()["source"] = bind.source.string();
  }
  nlohmann::json json = {
      {"argv", request.argv},
      {"cwd", request.cwd.string()},
      {"env", request.env},
      {"unset", request.unset},
      {"timeout_s", request.timeout_s},
      {"kill_grace_s", request.kill_grace_s},
      {"limits",
       {{"max_processes", request.limits.max_processes},
        {"max_output_bytes", request.limits.max_output_bytes},
        {"memory_mb", request.limits.memory_mb}}},
      {"max_file_bytes", request.max_file_bytes},
      {"capture", std::string(to_string(request.capture))},
      {"sandbox", {{"enabled", request.sandbox.enabled}, {"root", root}, {"scratch_mb", request.sandbox.scratch_mb}}}};
  if (request.pass_env) json["pass_env"] = *request.pass_env;
  return json;
}

SpawnRequest spawn_request_from_json(const nlohmann::json& json) {
  SpawnRequest request;
  request.argv = json.at("argv").get<std::vector<std::string>>();
  request.cwd = json.at("cwd").get<std::string>();
  request.env = json.at("env").get<std::vector<std::pair<std::string, std::string>>>();
  request.unset = json.at("unset").get<std::vector<std::string>>();
  if (json.contains("pass_env")) request.pass_env = json.at("pass_env").get<std::vector<std::string>>();
  request.timeout_s = json.at("timeout_s").get<double>();
  request.kill_grace_s = json.at("kill_grace_s").get<double>();
  const auto& limits = json.at("limits");
  request.limits = {.max_processes = limits.at("max_processes").get<int>(),
                    .max_output_bytes = limits.at("max_output_bytes").get<long long>(),
                    .memory_mb = limits.at("memory_mb").get<int>()};
  request.max_file_bytes = json.at("max_file_bytes").get<long long>();
  request.capture = json.at("capture").get<std::string>() == "pty" ? Capture::pty : Capture::pipe;
  const auto& sandbox = json.at("sandbox");
  request.sandbox.enabled = sandbox.at("enabled").get<bool>();
  request.sandbox.scratch_mb = sandbox.at("scratch_mb").get<std::int64_t>();
  for (const auto& bind : sandbox.at("root"))
    request.sandbox.root.push_back(
        {bind.at("path").get<std::string>(), bind.at("writable").get<bool>(), bind.value("source", std::string())});
  return request;
}

int serve_jailed_build() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the grader gone, its build goes (and the build's pid namespace with it)
  SpawnRequest request;
  try {
    request = spawn_request_from_json(nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {})));
  } catch (const std::exception& e) {
    fmt::print(stderr, "parex jailed-build: not a request: {}\n", e.what());
    return 2;
  }
  // A writable folder of the root is the build's: given to the sandbox's uid where the runner is root (in a user
  // namespace of the runner's, the grader's files already are that uid's there).
  const SandboxSupport& support = sandbox_support();
  if (request.sandbox.enabled && support.available && !support.user_namespace && ::geteuid() == 0)
    for (const auto& bind : request.sandbox.root) {
      if (!bind.writable) continue;
      std::error_code ec;
      (void)::lchown(bind.path.c_str(), support.uid, support.gid);
      for (auto it = fs::recursive_directory_iterator(bind.path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        (void)::lchown(it->path().c_str(), support.uid, support.gid);
    }
  const Run run = spawn_and_record(request);
  fmt::print("{}\n", nlohmann::json{{"run", to_json(run)}, {"sandbox", describe_sandbox(request.sandbox)}}.dump());
  return 0;
}

BuildOutcome run_jailed_build(std::vector<std::string> args, const BuildJail& jail) {
  BuildOutcome outcome;
  const SpawnRequest request = jailed_request(std::move(args), jail);
  const std::string input = to_json(request).dump();
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
  Fd in_read(in[0]), in_write(in[1]), out_read(out[0]), out_write(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  std::vector<std::string> helper_args = {self, "jailed-build"};
  std::vector<char*> argv;
  for (auto& arg : helper_args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  in_read.reset();
  out_write.reset();
  if (spawned != 0) {
    outcome.exit_code = 127;
    outcome.log = outcome.messages =
        fmt::format("cannot start the build's jail ({}): {}", self, std::strerror(spawned));
    return outcome;
  }
  for (std::size_t written = 0; written < input.size();) {
    const ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  in_write.reset();
  std::string reply;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(out_read.get(), buffer, sizeof buffer);
    if (n > 0)
      reply.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  int status = 0;
  retry_eintr([&] { return ::waitpid(pid, &status, 0); });
  std::optional<Run> run;
  try {
    const auto json = nlohmann::json::parse(reply);
    run = run_from_json(json.at("run"));
    outcome.sandbox = json.at("sandbox").get<std::string>();
  } catch (const std::exception&) {
  }
  if (!run) {
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    outcome.log = outcome.messages =
        fmt::format("the build's jail ended without a result (status {})", outcome.exit_code);
    return outcome;
  }
  for (const auto& line : run->lines) outcome.log += line.text + "\n";
  outcome.exit_code = run->exit_code.value_or(run->signal ? 128 + *run->signal : 1);
  outcome.ok = run->outcome == Outcome::ok;
  if (outcome.ok) return outcome;
  const std::string why = [&]() -> std::string {
    switch (run->outcome) {
      case Outcome::timeout:
        return fmt::format("the build took over {:.3g} s{} and was stopped", jail.timeout_s,
                           jail.timeout_reason.empty() ? "" : fmt::format(" ({})", jail.timeout_reason));
      case Outcome::memory_limit:
        return fmt::format("the build used more than {} MiB of memory and was stopped", jail.limits.memory_mb);
      case Outcome::process_limit:
        return fmt::format("the build ran more than {} processes at once and was stopped", jail.limits.max_processes);
      case Outcome::output_limit:
        return fmt::format("the build printed more than {} MiB and was stopped", jail.limits.max_output_bytes >> 20);
      case Outcome::spawn_error:
        return fmt::format("the build could not be started: {}", run->error);
      default:
        return "";
    }
  }();
  const std::string messages = compiler_messages(outcome.log);
  outcome.messages = why.empty() ? messages : messages.empty() ? why : why + "\n" + messages;
  if (run->signal == SIGXFSZ || outcome.log.find("File size limit exceeded") != std::string::npos ||
      outcome.log.find("signal 25") != std::string::npos)
    outcome.messages += fmt::format("\nthe build wrote a file over {} MiB, the limit", jail.max_file_bytes >> 20);
  return outcome;
}

}  // namespace parex
