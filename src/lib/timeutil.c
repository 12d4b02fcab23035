/*
 * timeutil.c — see timeutil.h.  Civil-date arithmetic is done by hand
 * (days_from_civil) so no function depends on the process time zone.
 */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n digits at *p into *v, advancing *p. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int time_parse_iso(const char *s, int64_t *out)
{
	int Y, M, D, h, mi, sec = 0, ms = 0, oh = 0, om = 0, sign = 1;
	const char *p = s;
	if (!s || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
	    digits(&p, 2, &D) || (*p != 'T' && *p != ' ') || !*p++ || digits(&p, 2, &h) ||
	    *p++ != ':' || digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			int nd = 0;
			while (isdigit((unsigned char)*p)) {
				if (nd < 3)
					ms = ms * 10 + (*p - '0');
				nd++;
				p++;
			}
			if (nd == 0)
				return -1;
			for (; nd < 3; nd++)
				ms *= 10;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 ||
	    mi > 59 || sec > 59 || oh > 23 || om > 59)
		return -1;
	int64_t secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60);
	*out = secs * 1000 + ms;
	return 0;
}

/* Break ms (already shifted to the wanted zone) into a struct tm. */
static void split(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	gmtime_r(&t, tm);
}

void time_format_jst(int64_t ms, const char *fmt, char *out, size_t n)
{
	struct tm tm;
	split(ms + JST_OFFSET_MS, &tm);
	if (strftime(out, n, fmt, &tm) == 0 && n)
		out[0] = '\0';
}

void time_format_iso_jst(int64_t ms, char *out, size_t n)
{
	time_format_jst(ms, "%Y-%m-%dT%H:%M:%S+09:00", out, n);
}

void time_format_iso_utc(int64_t ms, char *out, size_t n)
{
	struct tm tm;
	split(ms, &tm);
	char tmp[32];
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = ms % 1000;
	if (frac < 0)
		frac += 1000;
	snprintf(out, n, "%s.%03dZ", tmp, (int)frac);
}

int time_parse_hhmm(const char *s, int64_t *ms_of_day)
{
	int h, m, sec = 0, n = 0;
	if ((sscanf(s, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || s[n]) &&
	    (sec = 0, n = 0, sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n]))
		return -1;
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 || !isdigit((unsigned char)s[0]))
		return -1;
	*ms_of_day = ((int64_t)h * 3600 + m * 60 + sec) * 1000;
	return 0;
}

int64_t time_day_start_jst(int64_t ms)
{
	const int64_t day = 86400000;
	int64_t local = ms + JST_OFFSET_MS;
	int64_t start = local - ((local % day) + day) % day;
	return start - JST_OFFSET_MS;
}

int64_t time_next_jst(int64_t now, int64_t ms_of_day)
{
	int64_t at = time_day_start_jst(now) + ms_of_day;
	return at > now ? at : at + 86400000;
}
