#include "common/json.h"

#include <assert.h>
#include <inttypes.h>

#include "common/util.h"

void oo_json_init(struct oo_json *j, FILE *f, bool pretty)
{
    *j = (struct oo_json){ .f = f, .pretty = pretty };
}

void oo_json_finish(struct oo_json *j)
{
    assert(j->depth == 0);
    fputc('\n', j->f);
}

static void indent(struct oo_json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator and indentation before a value or a key. */
static void before_item(struct oo_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->has_items[j->depth])
            fputc(',', j->f);
        indent(j);
    }
    j->has_items[j->depth] = true;
}

static void open_level(struct oo_json *j, char c)
{
    before_item(j);
    fputc(c, j->f);
    assert(j->depth + 1 < OO_JSON_MAX_DEPTH);
    j->depth++;
    j->has_items[j->depth] = false;
}

static void close_level(struct oo_json *j, char c)
{
    bool had_items = j->has_items[j->depth];

    assert(j->depth > 0 && !j->after_key);
    j->depth--;
    if (had_items)
        indent(j);
    fputc(c, j->f);
}

void oo_json_obj_begin(struct oo_json *j) { open_level(j, '{'); }
void oo_json_obj_end(struct oo_json *j) { close_level(j, '}'); }
void oo_json_arr_begin(struct oo_json *j) { open_level(j, '['); }
void oo_json_arr_end(struct oo_json *j) { close_level(j, ']'); }

void oo_json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) {
                fprintf(f, "\\u%04x", *p);
            } else {
                /* JSON is UTF-8 (RFC 8259): a byte that starts no sequence
                 * (a netdev name may hold any) becomes U+FFFD, or readers
                 * refuse the whole document. */
                size_t n = oo_utf8_seq_len(p);

                if (n) {
                    fwrite(p, 1, n, f);
                    p += n - 1;
                } else {
                    fputs(OO_UTF8_REPLACEMENT, f);
                }
            }
        }
    }
    fputc('"', f);
}

void oo_json_key(struct oo_json *j, const char *key)
{
    before_item(j);
    oo_json_write_string(j->f, key);
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = true;
}

void oo_json_str(struct oo_json *j, const char *s)
{
    before_item(j);
    if (s)
        oo_json_write_string(j->f, s);
    else
        fputs("null", j->f);
}

void oo_json_int(struct oo_json *j, int64_t v)
{
    before_item(j);
    fprintf(j->f, "%" PRId64, v);
}

void oo_json_uint(struct oo_json *j, uint64_t v)
{
    before_item(j);
    fprintf(j->f, "%" PRIu64, v);
}

void oo_json_bool(struct oo_json *j, bool v)
{
    before_item(j);
    fputs(v ? "true" : "false", j->f);
}

void oo_json_null(struct oo_json *j)
{
    before_item(j);
    fputs("null", j->f);
}

void oo_json_kv_str(struct oo_json *j, const char *key, const char *s)
{
    oo_json_key(j, key);
    oo_json_str(j, s);
}

void oo_json_kv_int(struct oo_json *j, const char *key, int64_t v)
{
    oo_json_key(j, key);
    oo_json_int(j, v);
}

void oo_json_kv_uint(struct oo_json *j, const char *key, uint64_t v)
{
    oo_json_key(j, key);
    oo_json_uint(j, v);
}

void oo_json_kv_bool(struct oo_json *j, const char *key, bool v)
{
    oo_json_key(j, key);
    oo_json_bool(j, v);
}
