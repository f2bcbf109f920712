/* runtime/cli/complete.c: Tab completion for the REPL. The words offered
 * are the catalogues' own names (statements, settings, training parameters
 * and their choices, model kinds, data generators, figures, metrics,
 * functions) and the colon commands, so completion never drifts from what
 * the checker accepts. libedit's readline emulation calls complete_words()
 * with the word before the cursor. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "complete.h"
#include "data.h"
#include "model.h"
#include "names.h"
#include "params.h"
#include "util.h"

static const char **words;
static int nwords;

static void add_word(const char *w)
{
    if (!w || !*w)
        return;
    for (int i = 0; i < nwords; i++)
        if (!strcmp(words[i], w))
            return;
    words = xrealloc(words, sizeof *words * (size_t)(nwords + 1));
    words[nwords++] = w;
}

/* Every name of every catalogue, once. */
static void collect_words(void)
{
    static const char *const commands[] = { ":help", ":show", ":plan", ":preview", ":save",
                                            ":quit", "help", "quit", "exit", NULL };
    for (int i = 0; names_statements[i]; i++)
        add_word(names_statements[i]);
    for (int i = 0; names_settings[i].name; i++)
        add_word(names_settings[i].name);
    for (int i = 0; i < PARAMS_COUNT; i++) {
        add_word(params_table[i].name);
        for (int c = 0; params_table[i].choices && params_table[i].choices[c]; c++)
            add_word(params_table[i].choices[c]);
    }
    for (int i = 0; model_kinds[i]; i++)
        add_word(model_kinds[i]->name);
    for (int i = 0; data_gens[i]; i++)
        add_word(data_gens[i]->name);
    for (int i = 0; i < NAMES_FIG_COUNT; i++)
        add_word(names_figures[i].name);
    for (int i = 0; names_metrics[i].name; i++)
        add_word(names_metrics[i].name);
    for (int i = 0; names_functions[i]; i++)
        add_word(names_functions[i]);
    for (int i = 0; commands[i]; i++)
        add_word(commands[i]);
}

int complete_count(const char *prefix, const char **first)
{
    if (!words)
        collect_words();
    int n = 0;
    for (int i = 0; i < nwords; i++)
        if (!strncmp(words[i], prefix, strlen(prefix)) && n++ == 0 && first)
            *first = words[i];
    return n;
}

/* readline's generator protocol: state 0 starts over, then one match per call. */
static char *complete_next(const char *text, int state)
{
    static int at;
    if (state == 0)
        at = 0;
    while (at < nwords) {
        const char *w = words[at++];
        if (!strncmp(w, text, strlen(text)))
            return strdup(w);   /* readline frees it */
    }
    return NULL;
}

static char **complete_words(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;   /* never fall back to file names */
    return rl_completion_matches(text, complete_next);
}

void complete_install(void)
{
    if (!words)
        collect_words();
    /* ':' starts a command word, '=' separates a setting from its value */
    rl_completer_word_break_characters = (char *)" \t\n;,=()[]{}";
    rl_attempted_completion_function = complete_words;
}
