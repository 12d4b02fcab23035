/*
 * timeutil.h — times as integer UTC milliseconds (the store's portable time
 * type), ISO 8601 parsing, and formatting in Japan Standard Time (UTC+9, no
 * daylight saving), which is how every time is shown to people.
 */
#ifndef SR_TIMEUTIL_H
#define SR_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define JST_OFFSET_MS (9LL * 3600 * 1000)

/* Wall-clock time now, in UTC milliseconds since the epoch. */
int64_t time_now_ms(void);
/* Monotonic clock in microseconds, for measuring durations. */
int64_t time_mono_us(void);
/* Parse "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" into *out.
 * The offset is required. Returns 0 on success, -1 on malformed input. */
int time_parse_iso(const char *s, int64_t *out);
/* Write ms as "YYYY-MM-DDTHH:MM:SS+09:00" into out (at least 32 bytes). */
void time_format_iso_jst(int64_t ms, char *out, size_t n);
/* Write ms as "YYYY-MM-DDTHH:MM:SS.fffZ" into out (at least 32 bytes). */
void time_format_iso_utc(int64_t ms, char *out, size_t n);
/* Write ms as JST using an strftime-style format into out. */
void time_format_jst(int64_t ms, const char *fmt, char *out, size_t n);

/* Parse a time of day "HH:MM" or "HH:MM:SS" into milliseconds after
 * midnight. 0, or -1 on anything else. */
int time_parse_hhmm(const char *s, int64_t *ms_of_day);
/* The first moment after now that is ms_of_day in Japan time. */
int64_t time_next_jst(int64_t now, int64_t ms_of_day);
/* Midnight (Japan time) starting the day that holds ms, in UTC ms. */
int64_t time_day_start_jst(int64_t ms);

#endif
