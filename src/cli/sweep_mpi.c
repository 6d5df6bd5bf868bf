/* cdrl sweep across machines: the points handed out to the ranks of an MPI
 * job (built with -DCDRL_MPI=ON).
 *
 * Rank 0 reads the sweep, checks it and prepares the run directories exactly
 * as a local sweep does, then serves points: a worker rank asks for one,
 * runs it as a child process (sweep_child_start, the same as the local
 * pool), records how it ended in the point's result.cfg and asks for the
 * next. Rank 0 prints each result as it comes and writes the summary from
 * the run directories at the end, so the sweep directory must be on a file
 * system every rank sees (one machine, or NFS and the like). Points go out
 * one at a time, so fast and slow points balance themselves.
 *
 * Without CDRL_MPI this file only says that MPI is not there. */
#include "sweep.h"

#ifndef CDRL_MPI

int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc, (void)argv;
    *rank = 0;
    *size = 1;
    return 0;
}

void sweep_mpi_finish(void)
{
}

int sweep_mpi_coordinate(const sweep_job *jobs, int n)
{
    (void)jobs, (void)n;
    return CDRL_EUNAVAIL;
}

int sweep_mpi_work(void)
{
    return CDRL_EUNAVAIL;
}

#else
#error "MPI part not written yet"
#endif
