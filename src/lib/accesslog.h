/*
 * accesslog.h — the access log as one file per day (Japan time) in a
 * directory: access-YYYY-MM-DD.jsonl, one JSON line per request. Old days
 * are compressed and deleted by retention (ops/retention.h).
 */
#ifndef SR_ACCESSLOG_H
#define SR_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

/* Write to files in dir (created 0700 when missing); "off" or "" writes
 * none. 0, or -1 with a message. */
int accesslog_open(const char *dir);
/* Append one line (ending in a newline) to the file of the day holding now.
 * Lines are buffered (at most 256 KiB, flushed when 192 KiB wait): a killed
 * process loses at most the last second's lines. Thread-safe; a failed
 * write is reported once, never fatal. */
void accesslog_write(const char *line, size_t n, int64_t now);
/* Write the buffered lines out (the jobs thread, every second). */
void accesslog_flush(void);
/* Flush and close the current file. */
void accesslog_close(void);
/* The file name of the day holding ms ("access-YYYY-MM-DD.jsonl") into out. */
void accesslog_name(int64_t ms, char *out, size_t n);

#endif
