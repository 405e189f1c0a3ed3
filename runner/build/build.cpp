#include "build/build.hpp"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "base/fd.hpp"

extern char** environ;

namespace parex {

std::vector<std::string> build_targets(const CaseSpec& spec) {
  const bool races = spec.has_check(CheckKind::races);
  std::vector<std::string> targets;
  for (const auto& [name, variant] : spec.variants)
    if (variant.compiled) {
      targets.push_back(fmt::format("parex_{}_{}", spec.name, name));
      // its ThreadSanitizer build, which cmake/ParexCatalog.cmake adds for a case with a races check
      if (races) targets.push_back(fmt::format("parex_{}_{}_tsan", spec.name, name));
    }
  return targets;
}

std::filesystem::path find_on_path(const std::string& program) {
  namespace fs = std::filesystem;
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  for (std::string_view rest = path ? path : ""; !rest.empty();) {
    const auto colon = rest.find(':');
    const fs::path candidate = fs::path(rest.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return {};
}

std::vector<std::string> last_lines(const std::string& text, std::size_t count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

std::string compiler_messages(const std::string& log, std::size_t max_lines) {
  std::istringstream in(log);
  std::vector<std::string> kept;
  std::size_t dropped = 0;
  bool after_failed = false;
  for (std::string line; std::getline(in, line);) {
    // Ninja's "[3/8] Building CXX object ...", Make's "[ 50%] ...", "FAILED: target" and the command line under it.
    const bool progress = !line.empty() && line[0] == '[' && line.find(']') != std::string::npos &&
                          line.find_first_not_of("0123456789/% ", 1) == line.find(']');
    const bool command = after_failed;
    after_failed = line.starts_with("FAILED: ");
    if (progress || command || after_failed || line.starts_with("ninja: ") || line.starts_with("gmake") ||
        line.starts_with("make"))
      continue;
    if (kept.size() < max_lines)
      kept.push_back(line);
    else
      ++dropped;
  }
  std::string out = fmt::format("{}", fmt::join(kept, "\n"));
  if (dropped) out += fmt::format("\n[... {} more line(s)]", dropped);
  return out;
}

std::vector<std::string> build_command(const CaseSpec& spec, const BuildOptions& options) {
  std::vector<std::string> args = {options.cmake.string(), "--build", options.build_dir.string()};
  if (!options.config.empty()) args.insert(args.end(), {"--config", options.config});
  args.push_back("--target");
  for (const auto& target : build_targets(spec)) args.push_back(target);
  if (args.back() == "--target") return {};  // nothing to build: a catalog of scripts
  return args;
}

BuildOutcome build_case(const CaseSpec& spec, const BuildOptions& options) {
  auto args = build_command(spec, options);
  if (args.empty()) {
    BuildOutcome outcome;
    outcome.ok = true;
    return outcome;
  }
  return run_build_command(std::move(args), options.hide);
}

BuildOutcome run_build_command(std::vector<std::string> args, const std::vector<std::filesystem::path>& hide_paths) {
  BuildOutcome outcome;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
  Fd read_end(fds[0]), write_end(fds[1]);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (hide_paths.empty()) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      outcome.exit_code = 127;
      outcome.log = outcome.messages = fmt::format("cannot start {}: {}", args[0], std::strerror(spawned));
      return outcome;
    }
  } else {
    // The child makes its own mount namespace and covers each hidden folder before it execs the build; its
    // first line says what it managed, for the audit. (Everything it needs is prepared before the fork.)
    std::vector<std::string> hide;
    for (const auto& path : hide_paths) hide.push_back(path.string());
    pid = ::fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "cannot fork the build");
    if (pid == 0) {
      ::dup2(write_end.get(), STDOUT_FILENO);
      ::dup2(write_end.get(), STDERR_FILENO);
      const int null = ::open("/dev/null", O_RDONLY);
      if (null >= 0) ::dup2(null, STDIN_FILENO);
      char note[512];
      int hidden = 0;
      if (::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
        for (const auto& path : hide)
          hidden += ::mount("parex-hidden", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "size=4k,mode=0555") == 0;
        std::snprintf(note, sizeof note, "[parex-build-sandbox] mount namespace: %d of %zu folder(s) hidden\n", hidden,
                      hide.size());
      } else {
        std::snprintf(note, sizeof note, "[parex-build-sandbox] none: no mount namespace (%s)\n", std::strerror(errno));
      }
      [[maybe_unused]] auto written = ::write(STDOUT_FILENO, note, std::strlen(note));
      ::execvp(argv[0], argv.data());
      std::fprintf(stderr, "cannot start %s: %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
  }
  write_end.reset();
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n > 0)
      outcome.log.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  int status = 0;
  retry_eintr([&] { return ::waitpid(pid, &status, 0); });
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (outcome.log.starts_with("[parex-build-sandbox] ")) {
    const auto end = outcome.log.find('\n');
    outcome.sandbox = outcome.log.substr(22, end - 22);
    outcome.log.erase(0, end + 1);
  }
  outcome.ok = outcome.exit_code == 0;
  if (!outcome.ok) outcome.messages = compiler_messages(outcome.log);
  return outcome;
}

std::string report_python(bool with_jinja2) {
  std::vector<std::string> candidates;
  if (const char* chosen = std::getenv("PAREX_PYTHON")) candidates.push_back(chosen);
  candidates.insert(candidates.end(), {"/usr/bin/python3", "python3"});
  for (const auto& python : candidates)
    if (run_build_command({python, "-c", with_jinja2 ? "import jinja2" : "import json"}).ok) return python;
  return {};
}

}  // namespace parex
