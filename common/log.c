#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum oo_log_level max_level = OO_LOG_INFO;
static oo_log_sink_fn log_sink;

void oo_log_set_sink(oo_log_sink_fn sink) { log_sink = sink; }

void oo_log_set_level(enum oo_log_level level) { max_level = level; }
enum oo_log_level oo_log_get_level(void) { return max_level; }

void oo_log(enum oo_log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = {
        [OO_LOG_ERR] = "error: ", [OO_LOG_WARN] = "warning: ",
        [OO_LOG_INFO] = "", [OO_LOG_DEBUG] = "debug: ",
    };
    va_list ap;

    if (level > max_level)
        return;
    if (log_sink) {
        va_start(ap, fmt);
        log_sink(level, fmt, ap);
        va_end(ap);
        return;
    }
    fprintf(stderr, "ovs-offload: %s", prefix[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
