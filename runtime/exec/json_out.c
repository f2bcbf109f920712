/* runtime/exec/json_out.c: the two JSON writers every output file of the
 * executor shares (runs.jsonl, manifest.json): a string with its escapes,
 * and a number that reads back exactly (null for NaN and infinities, which
 * JSON has not). Below the files that write them, so they share no circle. */
#include <math.h>
#include <stdio.h>

#include "exec_int.h"
#include "util.h"

void exec_json_string(FILE *fp, const char *str)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(fp, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(fp, "\\u%04x", *c);
        else
            fputc(*c, fp);
    }
    fputc('"', fp);
}

/* JSON has no NaN or infinity: write null for them. */
void exec_json_number(FILE *fp, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", fp);
        return;
    }
    util_fmt_double(buf, sizeof buf, v);
    fputs(buf, fp);
}
