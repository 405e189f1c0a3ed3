// An allow-list root, as bubblewrap's --ro-bind builds one (a build's): its plan, and its assembly in the template's
// helper (a tmpfs of mount points, each bind taken from the runner's file system, then pivot_root into it).
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "spawn/sandbox.hpp"
#include "spawn/sandbox_mounts.hpp"
#include "spawn/sandbox_template.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// Where an allow-list root is assembled in the helper's own mount namespace: a tmpfs over /tmp there, mounted
// after every bind was taken, so that nothing below the runner's /tmp is covered before it is.
constexpr const char* kRootStaging = "/tmp";

}  // namespace

int build_root(const TemplateSteps& t, const char*& step) {
  auto fail = [&](const char* what) { return failed(step, what); };
  constexpr std::size_t kMaxBinds = 64;
  if (t.root.size() > kMaxBinds) return errno = E2BIG, fail("take the root's folders (too many)");
  int taken[kMaxBinds];
  for (std::size_t i = 0; i < t.root.size(); ++i) {
    const auto& entry = t.root[i];
    taken[i] = -1;
    if (entry.link) continue;
    // /proc is the one exception: the runner's, alone (no submount), under the fresh one each run mounts, since in
    // a user namespace the kernel mounts a proc only where one is already fully visible.
    const bool proc = std::strcmp(entry.source, "/proc") == 0;
    taken[i] = open_tree(AT_FDCWD, entry.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (proc ? 0 : AT_RECURSIVE));
    if (taken[i] < 0) return fail("take a folder of the root");
    mount_attr attributes{};
    attributes.attr_set =
        proc ? MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
             : MOUNT_ATTR_NOSUID | (entry.device ? 0 : MOUNT_ATTR_NODEV) | (entry.writable ? 0 : MOUNT_ATTR_RDONLY);
    if (mount_setattr(taken[i], "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes) != 0)
      return fail("set a root folder's flags");
  }
  if (::mount("tmpfs", kRootStaging, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
    return fail("make the root");
  for (const char* folder : t.root_folders)
    if (::mkdir(folder, 0755) != 0 && errno != EEXIST) return fail("make the root's folders");
  for (std::size_t i = 0; i < t.root.size(); ++i) {
    const auto& entry = t.root[i];
    if (entry.link) {
      if (::symlink(entry.link, entry.staged) != 0) return fail("make a link of the root");
      continue;
    }
    // A mount point, unless an earlier bind holds one there (a file bound over another's).
    if (::access(entry.staged, F_OK) != 0 &&
        (entry.folder ? ::mkdir(entry.staged, 0755) != 0
                      : ::close(::open(entry.staged, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0))
      return fail("make a mount point in the root");
    if (move_mount(taken[i], "", AT_FDCWD, entry.staged, MOVE_MOUNT_F_EMPTY_PATH) != 0)
      return fail("bind a folder into the root");
    ::close(taken[i]);
  }
  const std::string old_root = std::string(kRootStaging) + "/.old-root";
  if (::mkdir(old_root.c_str(), 0700) != 0) return fail("make the old root's mount point");
  if (::syscall(SYS_pivot_root, kRootStaging, old_root.c_str()) != 0) return fail("pivot into the root");
  if (::chdir("/") != 0) return fail("enter the root");
  if (::umount2("/.old-root", MNT_DETACH) != 0) return fail("detach the old root");
  ::rmdir("/.old-root");
  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (mount_setattr(AT_FDCWD, "/", 0, &read_only) != 0) return fail("make the root read-only");
  return 0;
}

void SandboxPlan::plan_root(const SandboxRequest& request) {
  auto keep_string = [&](std::string text) { return strings_.emplace_back(std::move(text)).c_str(); };
  struct Entry {
    fs::path path, source;
    std::string link;
    bool folder = false, writable = false, device = false;
  };
  std::vector<Entry> entries;
  for (const auto& bind : request.root) {
    const fs::path path = fs::absolute(bind.path).lexically_normal();
    const fs::path source = bind.source.empty() ? path : fs::absolute(bind.source).lexically_normal();
    std::error_code ec;
    const auto status = fs::symlink_status(source, ec);
    if (ec || !fs::exists(status)) continue;  // e.g. /lib64 on a machine without one
    Entry entry{path, source, "", fs::is_directory(status), bind.writable, false};
    if (fs::is_symlink(status)) entry.link = fs::read_symlink(source, ec).string();
    if (!ec) entries.push_back(std::move(entry));
  }
  for (const char* device : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"})
    entries.push_back({device, device, "", false, false, true});
  entries.push_back({"/proc", "/proc", "", true, false, false});  // covered by each run's own (build_root says why)
  for (const auto& [link, target] :
       std::initializer_list<std::pair<const char*, const char*>>{{"/dev/fd", "/proc/self/fd"},
                                                                  {"/dev/stdin", "/proc/self/fd/0"},
                                                                  {"/dev/stdout", "/proc/self/fd/1"},
                                                                  {"/dev/stderr", "/proc/self/fd/2"}})
    entries.push_back({link, link, target});
  // Outer paths first: a bind inside another bind's folder would need a mount point made in it.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  const auto staged = [](const fs::path& path) { return std::string(kRootStaging) + path.string(); };
  std::vector<std::string> folders;
  for (const char* folder : {"/tmp", "/dev", "/dev/shm"}) folders.push_back(staged(folder));
  for (const auto& entry : entries)
    for (fs::path parent = entry.path.parent_path(); parent.has_relative_path(); parent = parent.parent_path())
      folders.push_back(staged(parent));
  std::sort(folders.begin(), folders.end());  // a parent sorts before what is below it
  folders.erase(std::unique(folders.begin(), folders.end()), folders.end());
  TemplateSteps steps;
  for (const auto& folder : folders) steps.root_folders.push_back(keep_string(folder));
  for (const auto& entry : entries)
    steps.root.push_back({keep_string(entry.source.string()), keep_string(staged(entry.path)),
                          entry.link.empty() ? nullptr : keep_string(entry.link), entry.folder, entry.writable,
                          entry.device});
  // Each run's fresh /tmp and /dev/shm cover what the root holds there (a workspace in /tmp): it is taken along,
  // as the root has it, and put back.
  const fs::path scratch_folders[] = {"/tmp", "/dev/shm"};
  for (const auto& folder : scratch_folders) scratch_.push_back(keep_string(folder.string()));
  scratch_options_ = keep_string(fmt::format("size={}m,mode=1777", request.scratch_mb));
  std::vector<fs::path> kept;
  for (const auto& entry : entries)
    for (const auto& folder : scratch_folders)
      if (below(entry.path, folder)) {
        const fs::path top = folder / *std::next(entry.path.begin(), std::distance(folder.begin(), folder.end()));
        if (std::find(kept.begin(), kept.end(), top) == kept.end()) kept.push_back(top);
      }
  for (const auto& path : kept) scratch_keeps_.push_back({keep_string(path.string()), {}, true});
  template_.reset(make_template(steps, template_error_, template_step_));
}

}  // namespace parex
