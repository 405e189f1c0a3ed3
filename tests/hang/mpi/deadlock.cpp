// Two ranks, each receiving from the other before it sends: neither receive can complete, and the run times out
// with both ranks in MPI_Recv (tests/hang/mpi_deadlock.py).
#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int peer = 1 - rank;
  int mine = rank, theirs = -1;
  MPI_Recv(&theirs, 1, MPI_INT, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);  // blocks here: the peer receives too
  MPI_Send(&mine, 1, MPI_INT, peer, 0, MPI_COMM_WORLD);
  MPI_Finalize();
}
