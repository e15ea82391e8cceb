/* Logging for the programs (ovs-offloadctl, ovs-offloadd). Library layers do
 * not log: they return -errno and leave the kernel's message in their socket;
 * the controller logs once, with context. */
#ifndef OO_COMMON_LOG_H
#define OO_COMMON_LOG_H

#include <stdarg.h>

enum oo_log_level { OO_LOG_ERR, OO_LOG_WARN, OO_LOG_INFO, OO_LOG_DEBUG };

/* Messages above this level are dropped. Default OO_LOG_INFO. */
void oo_log_set_level(enum oo_log_level level);
enum oo_log_level oo_log_get_level(void);

void oo_log(enum oo_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Where messages go: stderr ("ovs-offload: warning: ..."), or with a sink
 * set, to it (the daemon's log). The sink may be called from any thread. */
typedef void (*oo_log_sink_fn)(enum oo_log_level level, const char *fmt, va_list ap);
void oo_log_set_sink(oo_log_sink_fn sink);

#define oo_err(...)   oo_log(OO_LOG_ERR, __VA_ARGS__)
#define oo_warn(...)  oo_log(OO_LOG_WARN, __VA_ARGS__)
#define oo_info(...)  oo_log(OO_LOG_INFO, __VA_ARGS__)
#define oo_debug(...) oo_log(OO_LOG_DEBUG, __VA_ARGS__)

#endif
