/* Collected config errors and their one-line format. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/diag.h"

void oo_cfg_diag_init(struct oo_cfg_diag *d, const char *file)
{
    memset(d, 0, sizeof *d);
    d->file = oo_strdup(file ? file : "<config>");
}

void oo_cfg_diag_free(struct oo_cfg_diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_errors; i++) {
        free(d->errors[i].key);
        free(d->errors[i].msg);
    }
    free(d->errors);
    free(d->file);
    free(d->hostconf_file);
    memset(d, 0, sizeof *d);
}

void oo_cfg_diag_set_file(struct oo_cfg_diag *d, const char *file)
{
    free(d->file);
    d->file = oo_strdup(file ? file : "<config>");
}

void oo_cfg_diag_set_hostconf_file(struct oo_cfg_diag *d, const char *file)
{
    free(d->hostconf_file);
    d->hostconf_file = file ? oo_strdup(file) : NULL;
}

/* Replaces bytes that would break the one-error-per-line format. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static bool loc_before(struct oo_src_loc a, struct oo_src_loc b)
{
    if (a.file != b.file)
        return a.file < b.file;
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

void oo_cfg_diag_add(struct oo_cfg_diag *d, struct oo_src_loc loc, const char *key,
                     const char *fmt, ...)
{
    struct oo_cfg_error *e;
    va_list ap;
    char *msg;
    int r;

    if (d->cur_file)
        loc.file = d->cur_file;
    if (d->n_errors >= OO_CFG_MAX_ERRORS) {
        /* Keep the first errors in the file, not the first found: checks
         * run by topic, and a reader fixes from the top. Out goes the
         * latest-placed kept one, or this one. */
        size_t last = 0;

        for (size_t i = 1; i < d->n_errors; i++)
            if (!loc_before(d->errors[i].loc, d->errors[last].loc))
                last = i;
        d->n_dropped++;
        if (!loc_before(loc, d->errors[last].loc))
            return;
        e = &d->errors[last];
        free(e->key);
        free(e->msg);
    } else {
        if (d->n_errors == d->alloc) {
            d->alloc = d->alloc ? 2 * d->alloc : 8;
            d->errors = oo_realloc(d->errors, d->alloc * sizeof *d->errors);
        }
        e = &d->errors[d->n_errors++];
    }
    va_start(ap, fmt);
    r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        msg = oo_strdup("(out of memory formatting the message)");
    e->loc = loc;
    e->key = oo_strdup(key ? key : "");
    e->msg = msg;
    sanitize(e->key);
    sanitize(e->msg);
}

size_t oo_cfg_diag_count(const struct oo_cfg_diag *d)
{
    return d->n_errors + d->n_dropped;
}

void oo_cfg_diag_sort(struct oo_cfg_diag *d)
{
    /* Insertion sort: stable, and the lists are short (<= OO_CFG_MAX_ERRORS). */
    for (size_t i = 1; i < d->n_errors; i++) {
        struct oo_cfg_error e = d->errors[i];
        size_t j = i;

        while (j > 0 && loc_before(e.loc, d->errors[j - 1].loc)) {
            d->errors[j] = d->errors[j - 1];
            j--;
        }
        d->errors[j] = e;
    }
}

const char *oo_cfg_error_format(const struct oo_cfg_diag *d, size_t i, char *buf, size_t size)
{
    const struct oo_cfg_error *e = &d->errors[i];
    const char *sep = e->key[0] ? ": " : "";
    const char *file = e->loc.file && d->hostconf_file ? d->hostconf_file : d->file;

    if (e->loc.line)
        snprintf(buf, size, "%s:%u:%u: %s%s%s", file, e->loc.line, e->loc.col,
                 e->key, sep, e->msg);
    else
        snprintf(buf, size, "%s: %s%s%s", file, e->key, sep, e->msg);
    return buf;
}

size_t oo_cfg_diag_print(const struct oo_cfg_diag *d, FILE *f)
{
    char buf[1024];

    for (size_t i = 0; i < d->n_errors; i++)
        fprintf(f, "%s\n", oo_cfg_error_format(d, i, buf, sizeof buf));
    if (d->n_dropped)
        fprintf(f, "%s: ... and %zu more errors\n", d->file, d->n_dropped);
    return oo_cfg_diag_count(d);
}

/* Optimal string alignment distance (Levenshtein plus transpositions), with
 * early exit once every cell of a row exceeds limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev2, *prev, *cur, d;

    if (la > 64 || lb > 64)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    prev2 = oo_calloc(lb + 1, sizeof *prev2);
    prev = oo_calloc(lb + 1, sizeof *prev);
    cur = oo_calloc(lb + 1, sizeof *cur);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t row_min;
        size_t *t;

        cur[0] = i;
        row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = prev[j - 1] + cost;

            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
        if (row_min > limit) {
            free(prev2);
            free(prev);
            free(cur);
            return limit + 1;
        }
    }
    d = prev[lb];
    free(prev2);
    free(prev);
    free(cur);
    return d;
}

const char *oo_cfg_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t best_d = 3, len = strlen(word);
    const char *best = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t d;

        if (!candidates[i])
            continue;
        d = edit_distance(word, candidates[i], 2);
        if (d < best_d && 2 * d <= len) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
