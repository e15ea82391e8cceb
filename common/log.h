/* Logging for the programs (ovs-offloadctl, ovs-offloadd). Library layers do
 * not log: they return -errno and leave the kernel's message in their socket;
 * the controller logs once, with context. */
#ifndef OO_COMMON_LOG_H
#define OO_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* ---------------------------------------------------------------- journal */

/* Under systemd, stderr is often a stream to the journal, which gives every
 * line the unit's default priority (info) unless the line starts with "<N>",
 * N a syslog level. When JOURNAL_STREAM names stderr (the same device and
 * inode, as systemd.exec(5) asks to check), this replaces stdio's stderr with
 * a line-buffered stream that writes each line to fd 2 with the priority
 * read from the line (oo_log_line_priority), so that `journalctl -p warning`
 * and log shippers see our errors and warnings as such. Returns whether it
 * did; later calls return the first answer. */
bool oo_log_journal_stderr(void);
/* Whether oo_log_journal_stderr() replaced stderr. */
bool oo_log_journal_active(void);

/* The syslog level (0..7) of one line written to stderr: a vlog line in the
 * daemon's journal pattern ("module|LEVEL|message"); oo_log()'s
 * "ovs-offload: error: ..." (warning, debug); ovs-offloadctl's usage errors
 * and config errors ("FILE:LINE:COL: ..."); 6 (info) for any other. len bytes
 * of line are looked at (no terminator needed). */
int oo_log_line_priority(const char *line, size_t len);

/* A line-buffered stdio stream writing to fd with each line's priority
 * prefixed (the stream oo_log_journal_stderr() installs). fclose() leaves fd
 * open. NULL on failure. */
FILE *oo_log_journal_stream(int fd);

#define oo_err(...)   oo_log(OO_LOG_ERR, __VA_ARGS__)
#define oo_warn(...)  oo_log(OO_LOG_WARN, __VA_ARGS__)
#define oo_info(...)  oo_log(OO_LOG_INFO, __VA_ARGS__)
#define oo_debug(...) oo_log(OO_LOG_DEBUG, __VA_ARGS__)

#endif
