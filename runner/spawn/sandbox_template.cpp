// What a plan builds once: a template mount namespace, made by a helper child, that each of its runs copies. The
// machine's file system read-only, with the grader's home covered, the hidden paths covered and the mounts no run
// sees gone; or an allow-list root (sandbox_root.cpp).
#include "spawn/sandbox_template.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "spawn/sandbox_mounts.hpp"
#include "spawn/seccomp.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// A mount of the runner's namespace, from /proc/self/mountinfo: where, and of which file system type.
struct Mounted {
  fs::path point;
  std::string type;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<Mounted> runner_mounts() {
  std::vector<Mounted> mounts;
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point, skip;
    fields >> id >> parent >> device >> root >> point;
    while (fields >> skip && skip != "-") {
    }
    std::string type;
    fields >> type;
    if (!point.empty()) mounts.push_back({unescape_mountinfo(point), type});
  }
  return mounts;
}

bool at_or_below(const fs::path& path, const fs::path& folder) { return path == folder || below(path, folder); }

// In a new mount namespace: everything of the run's file system that is the same for every run of a plan.
// Returns 0, or an errno with `step` naming what failed.
int build_template(const TemplateSteps& t, const char*& step) {
  auto fail = [&](const char* what) { return failed(step, what); };
  if (::unshare(CLONE_NEWNS) != 0) return fail("make a mount namespace");
  // Nothing mounted here reaches the runner's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail("make the mounts private");
  if (!t.root.empty()) {
    if (int error = build_root(t, step); error != 0) return error;
    errno = 0;
    return 0;
  }
  // What no run sees, or sees fresh: each costs every run a copy and a teardown.
  for (const char* point : t.unmount) ::umount2(point, MNT_DETACH);
  // Every mount read-only, not / alone: a world-writable folder on a mount of its own (/var/tmp, /run/lock on
  // many machines) would outlive the run. What is mounted below (the scratch, the working folder) is the run's.
  mount_attr all_read_only{};
  all_read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &all_read_only) != 0) return fail("make every mount read-only");
  if (t.home) {
    // The folders the run needs under the home are taken along, read-only, before it is covered.
    auto cover = [&] {
      return ::mount("tmpfs", t.home, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0 ? fail("cover the home")
                                                                                               : 0;
    };
    if (int error = cover_keeping(t.home_keeps, cover, step); error != 0) return error;
    // Empty and read-only (in a user namespace the run would own its cover's root).
    if (::mount(nullptr, t.home, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
      return fail("make the covered home read-only");
  }
  // A hidden path that is gone already (ENOENT) needs no cover.
  for (const char* dir : t.hide_dirs)
    if (::mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0 &&
        errno != ENOENT)
      return fail("hide a folder");
  // A hidden file cannot be opened at all: a bind of /dev/null, remounted nodev (a device node on a merely
  // read-only mount can still be written).
  for (const char* file : t.hide_files) {
    if (::mount("/dev/null", file, nullptr, MS_BIND, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return fail("hide a file");
    }
    if (::mount(nullptr, file, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOEXEC | MS_NODEV, nullptr) != 0)
      return fail("make a hidden file read-only");
  }
  errno = 0;
  return 0;
}

}  // namespace

int make_template(const TemplateSteps& steps, int& error, const char*& step) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return error = errno, step = "make a pipe", -1;
  pid_t helper = ::fork();
  if (helper == 0) {
    const char* failed_step = nullptr;
    struct {
      int error;
      const char* step;  // a string literal: the same address in the parent
    } result{build_template(steps, failed_step), nullptr};
    result.step = failed_step;
    (void)!::write(report[1], &result, sizeof result);
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  struct {
    int error;
    const char* step;
  } result{ECHILD, "start the helper that builds the run's file system"};
  if (helper < 0 || ::read(report[0], &result, sizeof result) != sizeof result)
    result = {ECHILD, "build the run's file system"};
  ::close(report[0]);
  int fd = -1;
  if (result.error == 0) {
    fd = ::open(fmt::format("/proc/{}/ns/mnt", helper).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) result = {errno, "keep the run's file system"};
  }
  if (helper > 0) {
    ::kill(helper, SIGKILL);
    ::waitpid(helper, nullptr, 0);
  }
  error = result.error;
  step = result.step;
  return fd;
}

SandboxPlan::SandboxPlan(const SandboxRequest& request) {
  active_ = request.enabled && sandbox_support().available;
  if (!active_) return;
  keyring_filter_ = spawn::keyring_filter();  // built here: the child only loads it
  if (!request.root.empty()) {
    plan_root(request);
    return;
  }
  // The run's scratch, fresh for each run; and the grader's home (its secrets, its tools), covered when it is a
  // folder of its own.
  const fs::path scratch_folders[] = {"/tmp", "/dev/shm"};
  auto in_scratch = [&](const fs::path& path) {
    return std::any_of(std::begin(scratch_folders), std::end(scratch_folders),
                       [&](const fs::path& folder) { return at_or_below(path, folder); });
  };
  fs::path home;
  if (const char* value = std::getenv("HOME"); value && *value) {
    const fs::path path = fs::path(value).lexically_normal();
    std::error_code ec;
    if (path.has_relative_path() && fs::is_directory(path, ec) && !in_scratch(path))
      home = path;  // in /tmp: gone with it
  }
  struct Kept {
    fs::path path;
    std::vector<fs::path> parents;
  };
  std::vector<Kept> scratch_keeps, home_keeps;
  std::vector<fs::path> kept_paths;
  for (const auto& wanted : request.keep) {
    std::error_code ec;
    if (!fs::is_directory(wanted, ec)) continue;  // e.g. the bin folder of a case with no compiled variant
    const fs::path path = fs::absolute(wanted).lexically_normal();
    kept_paths.push_back(path);
    std::vector<fs::path> covers(std::begin(scratch_folders), std::end(scratch_folders));
    if (!home.empty()) covers.push_back(home);
    for (const auto& cover : covers) {
      if (!below(path, cover)) continue;
      Kept kept{path, {}};
      fs::path parent = cover;
      for (auto it = std::next(path.begin(), std::distance(cover.begin(), cover.end())); it != path.end(); ++it) {
        parent /= *it;
        if (parent != path) kept.parents.push_back(parent);
      }
      (cover == home ? home_keeps : scratch_keeps).push_back(std::move(kept));
      break;
    }
  }
  std::vector<std::pair<fs::path, bool>> hides;  // (path, is a folder)
  for (const auto& path : request.hide) {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (!ec && fs::exists(status)) hides.emplace_back(fs::absolute(path).lexically_normal(), fs::is_directory(status));
  }
  // The runner's mounts that no run sees: /proc (each run mounts its own), what lies below /sys (cgroups, tracing)
  // and below a cover, and message queues (the host's IPC namespace). Kept: what holds a folder the run needs.
  std::vector<fs::path> unmount;
  for (const auto& mounted : runner_mounts()) {
    const fs::path& point = mounted.point;
    const bool unseen = at_or_below(point, "/proc") || below(point, "/sys") || in_scratch(point) ||
                        (!home.empty() && at_or_below(point, home)) || mounted.type == "mqueue";
    const bool needed = std::any_of(kept_paths.begin(), kept_paths.end(), [&](const fs::path& kept) {
      return at_or_below(kept, point) || below(point, kept);
    });
    if (unseen && !needed && point != "/") unmount.push_back(point);
  }
  std::sort(unmount.begin(), unmount.end(), [](const fs::path& a, const fs::path& b) {
    return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());  // deepest first
  });
  struct Bound {
    fs::path source, target;
    bool folder;
  };
  std::vector<Bound> work;
  if (!request.workdir.empty())
    for (const auto& file : request.work_files) {
      std::error_code ec;
      const auto status = fs::status(file, ec);
      if (!ec && fs::exists(status))
        work.push_back(
            {fs::absolute(file).lexically_normal(), request.workdir / file.filename(), fs::is_directory(status)});
    }
  // The child reads these strings through pointers: a deque keeps them where they are as it grows.
  auto keep_string = [&](std::string text) { return strings_.emplace_back(std::move(text)).c_str(); };
  const char* scratch_options = keep_string(fmt::format("size={}m,mode=1777", request.scratch_mb));
  for (const auto& folder : scratch_folders) scratch_.push_back(keep_string(folder.string()));
  scratch_options_ = scratch_options;
  auto kept_folder = [&](const Kept& kept) {
    KeptFolder folder{keep_string(kept.path.string()), {}};
    for (const auto& parent : kept.parents) folder.parents.push_back(keep_string(parent.string()));
    return folder;
  };
  for (const auto& kept : scratch_keeps) scratch_keeps_.push_back(kept_folder(kept));
  if (!request.workdir.empty()) {
    workdir_ = keep_string(request.workdir.string());
    for (fs::path parent = request.workdir.parent_path(); parent.has_relative_path(); parent = parent.parent_path())
      work_parents_.insert(work_parents_.begin(), keep_string(parent.string()));
    for (const auto& bound : work)
      work_files_.push_back({keep_string(bound.source.string()), keep_string(bound.target.string()), bound.folder});
  }
  TemplateSteps steps;
  for (const auto& point : unmount) steps.unmount.push_back(keep_string(point.string()));
  if (!home.empty()) steps.home = keep_string(home.string());
  for (const auto& kept : home_keeps) steps.home_keeps.push_back(kept_folder(kept));
  for (const auto& [path, folder] : hides)
    (folder ? steps.hide_dirs : steps.hide_files).push_back(keep_string(path.string()));
  template_.reset(make_template(steps, template_error_, template_step_));
}

}  // namespace parex
