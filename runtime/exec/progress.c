/* runtime/exec/progress.c: the progress line of progress.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

static double now_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* 12345678 -> "12.3M": rates people read at a glance. */
static void progress_human(char *buf, size_t size, double v)
{
    static const char unit[] = " kMGT";
    int u = 0;
    while (v >= 999.5 && u < 4) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.*f%c", v < 99.95 ? 1 : 0, v, unit[u]);
}

/* "[#######.............]  35%" from the share of model-steps done, so one
 * long run moves the bar too. */
static void progress_bar(char *buf, size_t size, double frac)
{
    enum { WIDTH = 20 };
    char bar[WIDTH + 1];
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    int full = (int)(frac * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < full ? '#' : '.';
    bar[WIDTH] = '\0';
    snprintf(buf, size, "[%s] %3d%%", bar, (int)(frac * 100));
}

/* "m:ss" of t seconds, rounded up so that work left never reads 0:00. */
static void progress_clock(char *buf, size_t size, double t)
{
    long s = (long)ceil(t);
    snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

static void progress_line(struct progress *p, int final)
{
    double el = now_since(&p->t0);
    double done = (double)__atomic_load_n(&p->base_steps, __ATOMIC_RELAXED) +
                  (double)__atomic_load_n(&p->steps_done, __ATOMIC_RELAXED);
    double rate = el > 0 ? done / el : 0;
    int runs = final ? p->runs_total : __atomic_load_n(&p->runs_done, __ATOMIC_RELAXED);
    char bar[48], speed[16] = "--", when[32] = "--:--";
    progress_bar(bar, sizeof bar, final ? 1 : p->total_steps > 0 ? done / p->total_steps : 0);
    /* until a step has finished there is no rate to go by */
    if (rate > 0 || final)
        progress_human(speed, sizeof speed, rate);
    if (final)
        snprintf(when, sizeof when, "%d:%02d", (int)(el / 60), (int)el % 60);
    else if (rate > 0)
        progress_clock(when, sizeof when, (p->total_steps - done) / rate);
    fprintf(p->msg, "%straining %s %d/%d runs, %s model-steps/s, %s %s%s",
            p->tty ? "\r" : "", bar, runs, p->runs_total, speed, final ? "took" : "eta", when,
            p->tty && !final ? "\033[K" : "\n");
    fflush(p->msg);
}

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    double period = p->tty ? 0.25 : 5.0;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long ns = until.tv_nsec + (long)(period * 1e9);
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT && !p->stop)
            progress_line(p, 0);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void progress_start(struct progress *p, FILE *msg, int runs_total, double total_steps)
{
    memset(p, 0, sizeof *p);
    p->msg = msg;
    p->tty = isatty(fileno(msg));
    p->runs_total = runs_total;
    p->total_steps = total_steps;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_create(&p->thread, NULL, progress_main, p);
}

void progress_stop(struct progress *p, int print_final)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    if (print_final)
        progress_line(p, 1);
    else if (p->tty)
        fprintf(p->msg, "\r\033[K");
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
}

void progress_drop(struct progress *p, int runs, double steps)
{
    pthread_mutex_lock(&p->lock);
    p->runs_total -= runs;
    p->total_steps -= steps;
    pthread_mutex_unlock(&p->lock);
}
