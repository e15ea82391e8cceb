/* A streaming JSON writer for the machine-readable outputs (status --json,
 * plan --json). It writes as it goes and keeps only the nesting state, so an
 * output of any size costs no memory. */
#ifndef OO_COMMON_JSON_H
#define OO_COMMON_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OO_JSON_MAX_DEPTH 32

struct oo_json {
    FILE *f;                          /* where the text goes */
    bool pretty;                      /* two-space indentation and newlines */
    int depth;                        /* current nesting level */
    bool has_items[OO_JSON_MAX_DEPTH];/* per level: an item was written already */
    bool after_key;                   /* a key was written, its value is next */
};

void oo_json_init(struct oo_json *j, FILE *f, bool pretty);
/* Ends the document with a newline. */
void oo_json_finish(struct oo_json *j);

void oo_json_obj_begin(struct oo_json *j);
void oo_json_obj_end(struct oo_json *j);
void oo_json_arr_begin(struct oo_json *j);
void oo_json_arr_end(struct oo_json *j);
void oo_json_key(struct oo_json *j, const char *key);

/* Values. A NULL string is written as null. */
void oo_json_str(struct oo_json *j, const char *s);
void oo_json_int(struct oo_json *j, int64_t v);
void oo_json_uint(struct oo_json *j, uint64_t v);
void oo_json_bool(struct oo_json *j, bool v);
void oo_json_null(struct oo_json *j);

/* key + value in one call. */
void oo_json_kv_str(struct oo_json *j, const char *key, const char *s);
void oo_json_kv_int(struct oo_json *j, const char *key, int64_t v);
void oo_json_kv_uint(struct oo_json *j, const char *key, uint64_t v);
void oo_json_kv_bool(struct oo_json *j, const char *key, bool v);

/* Writes s as a JSON string literal (with quotes and escapes). */
void oo_json_write_string(FILE *f, const char *s);

#endif
