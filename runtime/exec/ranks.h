/* runtime/exec/ranks.h: the little of MPI tmsl uses, behind plain C calls, so that
 * only runtime/exec/mpi.c includes <mpi.h> and builds without --with-mpi have no
 * MPI code at all. Messages are byte buffers of any size (sent in pieces
 * below MPI's int count limit). */
#ifndef TMSL_RANKS_H
#define TMSL_RANKS_H
#include <stddef.h>

/* Start MPI; fills rank and size (1 when not launched by mpirun). */
int mpi_start(int *argc, char ***argv, int *rank, int *size);
void mpi_stop(void);
int mpi_send_bytes(int dest, const void *buf, size_t len);
/* Receive one buffer from src (free it); NULL on error. */
unsigned char *mpi_recv_bytes(int src, size_t *len);
/* Rank 0's value of v, on every rank. */
int mpi_bcast_int(int v);

#endif
