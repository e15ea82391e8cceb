/* The JSON reader of jsonread.h: recursive descent over the text, one node
 * appended per value; containers get their counts once their end is read. */

#include "common/jsonread.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct jparser {
    char *start, *p, *end;
    struct oo_jdoc *doc;
    char *err;
    size_t err_size;
};

/* Bytes that end the plain run of a string: for the reader, the quote, the
 * backslash and control characters (an error); for the scanner, the first
 * two. */
enum { IN_STRING_STOP = 1, PLAIN_STOP = 2 };

static const uint8_t byte_class[256] = {
    [0x00 ... 0x1f] = PLAIN_STOP,
    ['"'] = IN_STRING_STOP | PLAIN_STOP,
    ['\\'] = IN_STRING_STOP | PLAIN_STOP,
};

static bool fail(struct jparser *ps, const char *what)
{
    if (ps->err && ps->err_size)
        snprintf(ps->err, ps->err_size, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
    return false;
}

/* Appends a node; returns its index (pointers move as the array grows). */
static size_t add_node(struct oo_jdoc *doc, enum oo_jtype type)
{
    struct oo_jnode *n;

    if (doc->n == doc->cap) {
        doc->cap = doc->cap ? doc->cap * 2 : 256;
        doc->nodes = oo_realloc(doc->nodes, doc->cap * sizeof *doc->nodes);
    }
    n = &doc->nodes[doc->n];
    n->type = (uint8_t)type;
    n->n = 0;
    n->size = 1;
    n->u.i = 0;
    return doc->n++;
}

static void skip_space(struct jparser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at p (which has at least 4 bytes); -1 if not hex. */
static long hex4(const char *p)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int h = hex_digit(p[i]);

        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* Writes code point c as UTF-8 at w; returns the bytes written. */
static size_t put_utf8(char *w, unsigned long c)
{
    if (c < 0x80) {
        w[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        w[0] = (char)(0xc0 | c >> 6);
        w[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        w[0] = (char)(0xe0 | c >> 12);
        w[1] = (char)(0x80 | (c >> 6 & 0x3f));
        w[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    w[0] = (char)(0xf0 | c >> 18);
    w[1] = (char)(0x80 | (c >> 12 & 0x3f));
    w[2] = (char)(0x80 | (c >> 6 & 0x3f));
    w[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* The escape at ps->p (its backslash), decoded to w: returns the bytes
 * written, or 0 when it is not a valid escape. UTF-8 is never longer than
 * the escape it comes from, so decoding in place never overtakes reading. */
static size_t unescape(struct jparser *ps, char *w)
{
    char *e = ps->p + 1;
    long c, lo;

    if (e == ps->end)
        return 0;
    ps->p = e + 1;
    switch (*e) {
    case '"': case '\\': case '/':
        *w = *e;
        return 1;
    case 'b': *w = '\b'; return 1;
    case 'f': *w = '\f'; return 1;
    case 'n': *w = '\n'; return 1;
    case 'r': *w = '\r'; return 1;
    case 't': *w = '\t'; return 1;
    case 'u':
        break;
    default:
        return 0;
    }
    if (ps->end - ps->p < 4 || (c = hex4(ps->p)) <= 0)
        return 0;                   /* not hex, or \u0000 */
    ps->p += 4;
    /* A second half alone is written as it is, as OVS's reader does. */
    if (c >= 0xd800 && c <= 0xdbff) {
        /* The first half of a surrogate pair: the second must follow. */
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return 0;
        lo = hex4(ps->p + 2);
        if (lo < 0xdc00 || lo > 0xdfff)
            return 0;
        ps->p += 6;
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
    }
    return put_utf8(w, (unsigned long)c);
}

/* A string at ps->p (on its opening quote): a string node. */
static bool parse_string(struct jparser *ps)
{
    char *s = ++ps->p, *w;
    size_t i;

    /* Most strings have no escape: find the end, and decode only if needed. */
    while (ps->p < ps->end && !(byte_class[(unsigned char)*ps->p] & PLAIN_STOP))
        ps->p++;
    w = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        size_t k;

        if ((unsigned char)*ps->p < 0x20)
            return fail(ps, "control character in a string");
        if (*ps->p != '\\') {
            *w++ = *ps->p++;
            continue;
        }
        if (!(k = unescape(ps, w)))
            return fail(ps, "invalid escape in a string");
        w += k;
    }
    if (ps->p == ps->end)
        return fail(ps, "unterminated string");
    if ((size_t)(w - s) > UINT32_MAX)
        return fail(ps, "string too long");
    *w = '\0';                      /* on the closing quote, or before it */
    ps->p++;
    i = add_node(ps->doc, OO_JSTRING);
    ps->doc->nodes[i].n = (uint32_t)(w - s);
    ps->doc->nodes[i].u.str = s;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number at ps->p: an integer node when it has no fraction or exponent and
 * fits a long long, a real node otherwise. */
static bool parse_number(struct jparser *ps)
{
    char *s = ps->p, buf[64], *num;
    bool integer = true, negative = *s == '-', range;
    double d;
    unsigned long long mag = 0;
    size_t i, len;

    if (negative)
        ps->p++;
    if (ps->p == ps->end || !is_digit(*ps->p))
        return fail(ps, "invalid number");
    if (*ps->p == '0') {
        ps->p++;
    } else {
        for (; ps->p < ps->end && is_digit(*ps->p); ps->p++) {
            unsigned digit = (unsigned)(*ps->p - '0');

            if (mag > (ULLONG_MAX - digit) / 10)
                integer = false;    /* read as a real below */
            else
                mag = mag * 10 + digit;
        }
    }
    if (ps->p < ps->end && *ps->p == '.') {
        integer = false;
        if (++ps->p == ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integer = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p == ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (integer && mag > (negative ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX))
        integer = false;
    if (integer) {
        i = add_node(ps->doc, OO_JINT);
        ps->doc->nodes[i].u.i = !negative ? (long long)mag : mag ? -(long long)(mag - 1) - 1 : 0;
        return true;
    }
    /* strtod wants a terminated string; the text is not. */
    len = (size_t)(ps->p - s);
    num = len < sizeof buf ? buf : oo_malloc(len + 1);
    memcpy(num, s, len);
    num[len] = '\0';
    errno = 0;
    d = strtod(num, NULL);
    range = errno == ERANGE && d != 0;
    if (num != buf)
        free(num);
    /* As OVS reads numbers: too large (or too small to be exact) is refused,
     * and zero has no sign. */
    if (range)
        return fail(ps, "number out of range");
    i = add_node(ps->doc, OO_JREAL);
    ps->doc->nodes[i].u.d = d == 0 ? 0 : d;
    return true;
}

static bool parse_word(struct jparser *ps, const char *word, size_t len, enum oo_jtype type)
{
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len))
        return fail(ps, "invalid literal");
    ps->p += len;
    add_node(ps->doc, type);
    return true;
}

static bool parse_value(struct jparser *ps, unsigned depth);

/* An array or object at ps->p (on its bracket). */
static bool parse_container(struct jparser *ps, unsigned depth)
{
    bool object = *ps->p == '{';
    char close = object ? '}' : ']';
    size_t i = add_node(ps->doc, object ? OO_JOBJECT : OO_JARRAY);
    size_t count = 0;

    if (depth >= OO_JREAD_MAX_DEPTH)
        return fail(ps, "nested too deep");
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        if (object) {
            if (ps->p == ps->end || *ps->p != '"')
                return fail(ps, "object key expected");
            if (!parse_string(ps))
                return false;
            skip_space(ps);
            if (ps->p == ps->end || *ps->p != ':')
                return fail(ps, "':' expected");
            ps->p++;
        }
        if (!parse_value(ps, depth + 1))
            return false;
        if (++count > UINT32_MAX || ps->doc->n - i > UINT32_MAX)
            return fail(ps, "too many values");
        skip_space(ps);
        if (ps->p == ps->end)
            return fail(ps, object ? "unterminated object" : "unterminated array");
        if (*ps->p == close)
            break;
        if (*ps->p != ',')
            return fail(ps, object ? "',' or '}' expected" : "',' or ']' expected");
        ps->p++;
        skip_space(ps);
    }
    ps->p++;
    ps->doc->nodes[i].n = (uint32_t)count;
    ps->doc->nodes[i].size = (uint32_t)(ps->doc->n - i);
    return true;
}

static bool parse_value(struct jparser *ps, unsigned depth)
{
    skip_space(ps);
    if (ps->p == ps->end)
        return fail(ps, "value expected");
    switch (*ps->p) {
    case '{': case '[':
        return parse_container(ps, depth);
    case '"':
        return parse_string(ps);
    case 't':
        return parse_word(ps, "true", 4, OO_JTRUE);
    case 'f':
        return parse_word(ps, "false", 5, OO_JFALSE);
    case 'n':
        return parse_word(ps, "null", 4, OO_JNULL);
    default:
        if (*ps->p == '-' || is_digit(*ps->p))
            return parse_number(ps);
        return fail(ps, "value expected");
    }
}

int oo_jdoc_parse(struct oo_jdoc *doc, char *text, size_t len, char *err, size_t err_size)
{
    struct jparser ps = { .start = text, .p = text, .end = text + len, .doc = doc, .err = err,
                          .err_size = err_size };

    memset(doc, 0, sizeof *doc);
    if (err && err_size)
        *err = '\0';
    if (parse_value(&ps, 0)) {
        skip_space(&ps);
        if (ps.p == ps.end)
            return 0;
        fail(&ps, "text after the value");
    }
    oo_jdoc_free(doc);
    return -EINVAL;
}

void oo_jdoc_free(struct oo_jdoc *doc)
{
    free(doc->nodes);
    memset(doc, 0, sizeof *doc);
}

const struct oo_jnode *oo_jnode_at(const struct oo_jnode *array, size_t i)
{
    const struct oo_jnode *e;

    if (!array || array->type != OO_JARRAY || i >= array->n)
        return NULL;
    for (e = array + 1; i; i--)
        e = oo_jnode_skip(e);
    return e;
}

const struct oo_jnode *oo_jnode_get(const struct oo_jnode *obj, const char *key)
{
    const struct oo_jnode *k, *found = NULL;

    if (!obj || obj->type != OO_JOBJECT)
        return NULL;
    k = obj + 1;
    for (uint32_t i = 0; i < obj->n; i++) {
        if (!strcmp(k->u.str, key))
            found = k + 1;
        k = oo_jnode_skip(k + 1);
    }
    return found;
}

const char *oo_jnode_str(const struct oo_jnode *n)
{
    return n && n->type == OO_JSTRING ? n->u.str : NULL;
}

ssize_t oo_jscan_feed(struct oo_jscan *s, const char *buf, size_t len)
{
    const unsigned char *b = (const unsigned char *)buf;
    size_t i = 0;

    while (i < len) {
        if (s->in_string) {
            if (s->escaped) {
                s->escaped = false;
                i++;
            }
            /* The common case, in a loop of its own: bytes that end nothing. */
            while (i < len && !(byte_class[b[i]] & IN_STRING_STOP))
                i++;
            if (i == len)
                break;
            if (b[i++] == '"')
                s->in_string = false;
            else
                s->escaped = true;
            continue;
        }
        switch (b[i++]) {
        case '{': case '[':
            s->depth++;
            break;
        case '}': case ']':
            if (!s->depth)
                return -1;
            if (!--s->depth)
                return (ssize_t)i;
            break;
        case ' ': case '\n': case '\r': case '\t':
            break;
        case '"':
            if (!s->depth)
                return -1;
            s->in_string = true;
            break;
        default:
            if (!s->depth)
                return -1;
            break;
        }
    }
    return 0;
}
