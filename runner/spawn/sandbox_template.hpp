// A plan's template mount namespace, internal to spawn/sandbox*.cpp: the steps a helper child applies to build it.
#pragma once

#include <vector>

#include "spawn/sandbox.hpp"

namespace parex {

// What the helper making a template applies, every string in place before it forks (it only makes system calls).
struct TemplateSteps {
  std::vector<const char*> unmount;  // deepest first
  const char* home = nullptr;        // the grader's home, covered by an empty read-only tmpfs, or none
  std::vector<KeptFolder> home_keeps;
  std::vector<const char*> hide_dirs, hide_files;
  // An allow-list root instead (SandboxRequest::root): each entry taken from the runner's file system and put at
  // `staged`, below the folder the new root is assembled in (kRootStaging) before it becomes the root.
  struct RootEntry {
    const char* source;  // what is bound
    const char* staged;
    const char* link;  // a symbolic link made anew, pointing there; nullptr: a bind of `path`
    bool folder, writable, device;
  };
  std::vector<RootEntry> root;
  std::vector<const char*> root_folders;  // staged folders to make, parents first
};

// The new root, from `t.root`: a small tmpfs of mount points, each bind taken from the runner's file system
// (read-only unless writable; devices keep their nodes), then pivot_root into it, the old root detached, and
// the tmpfs itself made read-only. Returns 0, or an errno with `step` naming what failed.
int build_root(const TemplateSteps& t, const char*& step);  // sandbox_root.cpp

// A mount namespace built by a helper child, kept by descriptor; -1 with `error` and `step` set when refused.
int make_template(const TemplateSteps& steps, int& error, const char*& step);

}  // namespace parex
