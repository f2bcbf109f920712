/* runtime/cli/listing.c: `--list` and `:help SECTION` from the catalogues
 * (lang/names.h, runtime/train/params.h, model.h, data.h). A training
 * parameter's alias gets a line of its own, so the language reference's
 * tables can be checked against this listing word for word. */
#include <string.h>

#include "data.h"
#include "listing.h"
#include "model.h"
#include "names.h"
#include "params.h"

const char *const listing_sections[] = {"statements", "settings", "params", "kinds", "data",
                                        "figures", "metrics", "functions", NULL};

static void listing_row(FILE *out, const char *name, const char *help)
{
    fprintf(out, "%-18s %s\n", name, help ? help : "");
}

static void listing_params(FILE *out)
{
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *p = &params_table[k];
        fprintf(out, "%-18s %s (default %s)\n", p->name, p->help, p->def_text);
        if (p->alias)
            fprintf(out, "%-18s short for %s\n", p->alias, p->name);
    }
}

static void listing_metrics(FILE *out)
{
    static const char *const kinds[] = {"per point", "per feature: NAME(i)",
                                        "over the points: NAME(x)",
                                        "along the sweep: NAME(x), tol=K"};
    for (const struct names_metric *m = names_metrics; m->name; m++)
        fprintf(out, "%-18s %s [%s]\n", m->name, m->help, kinds[m->kind]);
}

static void listing_section(FILE *out, int s)
{
    switch (s) {
    case 0:
        for (const struct names_statement *t = names_statement_table; t->name; t++)
            fprintf(out, "%-18s %s  %s\n", t->name, t->help, t->syntax);
        break;
    case 1:
        for (const struct names_setting *q = names_settings; q->name; q++)
            listing_row(out, q->name, q->help);
        break;
    case 2: listing_params(out); break;
    case 3:
        for (int k = 0; model_kinds[k]; k++)
            listing_row(out, model_kinds[k]->name, model_kinds[k]->help);
        break;
    case 4:
        for (int k = 0; data_gens[k]; k++)
            listing_row(out, data_gens[k]->name, data_gens[k]->help);
        break;
    case 5:
        for (int k = 0; k < NAMES_FIG_COUNT; k++)
            listing_row(out, names_figures[k].name, names_figures[k].help);
        break;
    case 6: listing_metrics(out); break;
    default:
        for (const struct names_function *f = names_function_table; f->name; f++)
            listing_row(out, f->name, f->help);
    }
}

int listing_print(FILE *out, const char *section)
{
    int all = !section || !strcmp(section, "all");
    int found = all;
    for (int s = 0; listing_sections[s]; s++) {
        if (!all && strcmp(section, listing_sections[s]) != 0)
            continue;
        if (all)
            fprintf(out, "%s%s:\n", s ? "\n" : "", listing_sections[s]);
        listing_section(out, s);
        found = 1;
    }
    return found ? 0 : -1;
}
