/* tests/fuzz/libfuzzer.c: the front end as a libFuzzer target. Each input
 * is loaded as a file and as REPL input through front_load in a fresh
 * session; a crash, a sanitizer report or a leak is a finding. Built and
 * run by tests/fuzz/run.sh (`make fuzz`). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "front.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    for (int as_file = 0; as_file < 2; as_file++) {
        struct diag *d = diag_new(sink);
        struct front *f = front_new(d, NULL);
        struct plan p;
        if (front_load(f, "fuzz.tmsl", (const char *)data, size, as_file, &p) == 0)
            plan_free(&p);
        front_free(f);
        diag_free(d);
    }
    return 0;
}
