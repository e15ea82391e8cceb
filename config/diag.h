/* Config diagnostics: every problem found in a config, collected (not just
 * the first), each with its position, its key path and a message saying what
 * would be valid. Printed one per line as FILE:LINE:COL: KEY: message. */
#ifndef OO_CONFIG_DIAG_H
#define OO_CONFIG_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A position in the config file, 1-based. {0, 0}: not from a file (a default,
 * a derived value, or a config built in memory). file: 0 the config itself,
 * 1 the host.conf a YAML config names (`hostconf:`). */
struct oo_src_loc {
    unsigned line;
    unsigned col;
    unsigned file;
};

/* Errors kept per diag; the rest are counted in n_dropped. */
#define OO_CFG_MAX_ERRORS 200

struct oo_cfg_error {
    struct oo_src_loc loc;        /* where; {0,0} when it concerns no position */
    char *key;                    /* dotted key path (pfs[0].vfs[1].vlan), "" for the document */
    char *msg;                    /* what is wrong and what would be valid; one line */
};

struct oo_cfg_diag {
    char *file;                   /* name printed before each position */
    char *hostconf_file;          /* ... of those with loc.file 1, NULL none */
    unsigned cur_file;            /* errors added are stamped with this loc.file
                                   * (while the host.conf is read), 0 otherwise */
    struct oo_cfg_error *errors;  /* in the order found; oo_cfg_diag_sort() orders by position */
    size_t n_errors;
    size_t alloc;
    size_t n_dropped;             /* errors beyond OO_CFG_MAX_ERRORS */
    size_t n_missing_nics;        /* of the errors, those of an offload NIC the host has
                                   * no netdev of (host.conf mode): a bond that boot's
                                   * networking has not made yet, say */
};

/* Starts an empty diag for the file called file (copied; NULL: "<config>"). */
void oo_cfg_diag_init(struct oo_cfg_diag *d, const char *file);
/* Frees the errors and the name. NULL-safe. */
void oo_cfg_diag_free(struct oo_cfg_diag *d);
/* Replaces the file name printed in messages. */
void oo_cfg_diag_set_file(struct oo_cfg_diag *d, const char *file);
/* Sets the name printed for positions in the host.conf a config names. */
void oo_cfg_diag_set_hostconf_file(struct oo_cfg_diag *d, const char *file);

/* Adds an error. key may be NULL (""). Control characters in key and message
 * are replaced so that each error stays on one line. */
void oo_cfg_diag_add(struct oo_cfg_diag *d, struct oo_src_loc loc, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Total errors found (kept + dropped). */
size_t oo_cfg_diag_count(const struct oo_cfg_diag *d);
/* Sorts the kept errors by position (stable; errors without a position first,
 * the config's before its host.conf's). */
void oo_cfg_diag_sort(struct oo_cfg_diag *d);

/* Formats error i as "FILE:LINE:COL: KEY: message" into buf ("FILE: ..."
 * without a position, no "KEY: " for document-level errors). Returns buf. */
const char *oo_cfg_error_format(const struct oo_cfg_diag *d, size_t i, char *buf, size_t size);
/* Prints every error, one per line, and "... and N more errors" if some were
 * dropped. Returns the number of errors found. */
size_t oo_cfg_diag_print(const struct oo_cfg_diag *d, FILE *f);

/* The candidate nearest to word by edit distance, if close enough to be a
 * likely typo (distance <= 2 and at most half of word's length), else NULL.
 * candidates has n entries; NULL entries are skipped. */
const char *oo_cfg_suggest(const char *word, const char *const *candidates, size_t n);

#endif
