/* runtime/exec/mpi.c: MPI transport for tmsl (built only with --with-mpi).
 * Rank 0 gathers the other ranks' results as byte buffers; a buffer travels
 * as its length, then pieces of at most 256 MiB so no count overflows MPI's
 * int. Everything else (what a buffer holds) is the executor's business. */
#include "config.h"
#include "ranks.h"

#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

enum { PIECE = 1 << 28, TAG_LEN = 17, TAG_DATA = 18 };

int mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return -1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void mpi_stop(void)
{
    MPI_Finalize();
}

int mpi_send_bytes(int dest, const void *buf, size_t len)
{
    uint64_t n = len;
    if (MPI_Send(&n, 1, MPI_UINT64_T, dest, TAG_LEN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    for (size_t off = 0; off < len; off += PIECE) {
        int k = (int)(len - off < PIECE ? len - off : PIECE);
        if (MPI_Send((const char *)buf + off, k, MPI_BYTE, dest, TAG_DATA, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return -1;
    }
    return 0;
}

unsigned char *mpi_recv_bytes(int src, size_t *len)
{
    uint64_t n;
    if (MPI_Recv(&n, 1, MPI_UINT64_T, src, TAG_LEN, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
        return NULL;
    unsigned char *buf = xmalloc(n ? (size_t)n : 1);
    for (size_t off = 0; off < n; off += PIECE) {
        int k = (int)(n - off < PIECE ? n - off : PIECE);
        if (MPI_Recv(buf + off, k, MPI_BYTE, src, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
            MPI_SUCCESS) {
            free(buf);
            return NULL;
        }
    }
    *len = (size_t)n;
    return buf;
}

int mpi_bcast_int(int v)
{
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return v;
}
