/* runtime/exec/progress.h: the training progress line. A thread wakes a
 * few times a second (every few seconds when not on a terminal) and prints
 * runs done, model-steps per second and the time left; the trainer adds to
 * steps_done as it goes. */
#ifndef TMSL_PROGRESS_H
#define TMSL_PROGRESS_H
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop, tty;
    FILE *msg;
    uint64_t steps_done;     /* updated by the trainer */
    double total_steps;
    uint64_t base_steps;     /* model-steps finished before this chunk */
    int runs_done, runs_total;
    struct timespec t0;
};

void progress_start(struct progress *p, FILE *msg, int runs_total, double total_steps);
/* Runs that another process finished: out of the total. */
void progress_drop(struct progress *p, int runs, double steps);
/* Stop the thread; print the final line (time taken) when asked. */
void progress_stop(struct progress *p, int print_final);

#endif
