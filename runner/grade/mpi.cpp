#include "grade/mpi.hpp"

#include <algorithm>
#include <charconv>

namespace parex {

int effective_ranks(int asked, int cores) { return std::max(1, std::min(asked, cores)); }

std::vector<std::string> mpi_argv(const std::string& mpirun, int ranks, bool as_root,
                                  const std::vector<std::string>& argv) {
  std::vector<std::string> out = {mpirun, "-np", std::to_string(ranks), "--tag-output", "--bind-to", "none"};
  // mpirun counts its slots from the cores hwloc sees, hyperthreads not included: 2 vCPUs that are one core's two
  // threads are 1 slot to it. The ranks are already at most the runner's count of usable CPUs.
  out.push_back("--oversubscribe");
  if (as_root) out.push_back("--allow-run-as-root");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> mpi_environment() {
  return {{"OMPI_MCA_plm", "isolated"},           // launch on this node only: no ssh, no srun
          {"OMPI_MCA_ras", "^slurm,gridengine"},  // and do not read a batch system's allocation
          {"OMPI_MCA_pml", "ob1"},                // no UCX or libfabric probing, nor their warnings
          {"OMPI_MCA_btl", "self,vader"},         // shared memory between the ranks
          // mpirun and its ranks vouch for each other by their sockets' credentials: PMIx would otherwise pick munge
          // wherever munged runs (a Slurm node), whose credentials a user-namespace sandbox's uid cannot pass
          // ("OPAL ERROR: Unreachable in ext3x_client.c": MPI_Init fails, and mpirun hangs in its abort)
          {"PMIX_MCA_psec", "native"}};
}

namespace {

// The length of mpirun's tag at the start of `text` ("[1,0]<stdout>:"), and the rank in it; 0 when none.
std::size_t tag_length(std::string_view text, int& rank) {
  if (text.empty() || text.front() != '[') return 0;
  std::size_t at = 1;
  auto digits = [&]() {
    const std::size_t from = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    return at > from && at - from <= 9;
  };
  if (!digits() || at >= text.size() || text[at] != ',') return 0;
  const std::size_t rank_from = ++at;
  if (!digits() || at >= text.size() || text[at] != ']') return 0;
  std::from_chars(text.data() + rank_from, text.data() + at, rank);
  ++at;
  for (std::string_view stream : {"<stdout>:", "<stderr>:", "<stddiag>:"})
    if (text.substr(at).starts_with(stream)) return at + stream.size();
  return 0;
}

}  // namespace

void attribute_ranks(std::vector<Line>& lines) {
  for (Line& line : lines) {
    int rank = 0;
    if (const std::size_t length = tag_length(line.text, rank)) {
      line.text.erase(0, length);
      line.rank = rank;
    }
  }
}

}  // namespace parex
