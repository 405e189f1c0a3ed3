#include "spawn/fork_events.hpp"

namespace parex::spawn {

std::optional<std::vector<pid_t>> watched_tree() { return ForkWatch::instance().live(); }

}  // namespace parex::spawn
