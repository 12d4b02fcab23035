/*
 * console_dashboard.c — a rally's numbers: totals, the funnel (joined →
 * first stamp → completed), stamps per spot, and time series by hour (last
 * 48 hours) and by day (last 30 days, JST), drawn as SVG bar charts on the
 * server so they read without JavaScript.
 */
#include <stdio.h>
#include <string.h>

#include "core/stats.h"
#include "lib/timeutil.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

#define CHART_W 640
#define CHART_H 180
#define HOURS 48
#define DAYS 30

/* A vertical bar chart: {"w","h","bars":[{"x","y","w","h","v","label"}], "max",
 * "ticks":[{"x","label"}]}. Every `tick`-th bar gets a label under the axis. */
static json_t *bar_chart(const char **labels, const int64_t *values, size_t n, int tick)
{
	int64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	double slot = (double)(CHART_W - 40) / (double)(n ? n : 1), plot = CHART_H - 30;
	json_t *bars = json_array(), *ticks = json_array();
	for (size_t i = 0; i < n; i++) {
		double h = plot * (double)values[i] / (double)max, x = 36 + slot * (double)i;
		json_array_append_new(bars, json_pack("{s:f, s:f, s:f, s:f, s:I, s:s}", "x", x, "y", plot - h + 4, "w",
						      slot * 0.8, "h", h, "v", (json_int_t)values[i], "label", labels[i]));
		if (tick > 0 && i % (size_t)tick == 0)
			json_array_append_new(ticks, json_pack("{s:f, s:s}", "x", x, "label", labels[i]));
	}
	return json_pack("{s:i, s:i, s:o, s:o, s:I, s:f}", "w", CHART_W, "h", CHART_H, "bars", bars, "ticks", ticks, "max",
			 (json_int_t)max, "axis", plot + 4);
}

/* Horizontal bars (spots, funnel): {"rows":[{"label","v","w","pct"}]}. */
static json_t *hbar_chart(const char **labels, const int64_t *values, size_t n, int64_t of)
{
	int64_t max = of > 0 ? of : 1;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
	{
		double w = 400.0 * (double)values[i] / (double)max;
		json_array_append_new(rows, json_pack("{s:s, s:I, s:f, s:f, s:i}", "label", labels[i], "v",
						      (json_int_t)values[i], "w", w, "vx", 186 + w, "y", (int)i * 26));
	}
	return json_pack("{s:o, s:i}", "rows", rows, "h", (int)n * 26 + 4);
}

/* The time series ending now: hourly (48) and daily (30, JST days). */
static void series(req *r, int64_t rally_id, json_t *view)
{
	int64_t now_h = time_now_ms() / 3600000, from = now_h - HOURS + 1;
	int64_t stamps[DAYS * 24], joins[DAYS * 24];
	const char *labels[DAYS * 24];
	if (stats_hours(r->db, rally_id, from, HOURS, stamps, joins) != 0)
		return;
	for (int i = 0; i < HOURS; i++) {
		char t[16];
		time_format_jst((from + i) * 3600000, "%H:00", t, sizeof t);
		labels[i] = arena_strdup(&r->a, t);
	}
	json_object_set_new(view, "hourly", bar_chart(labels, stamps, HOURS, 6));
	/* Days start at 00:00 JST = 15:00 UTC the day before. */
	int64_t day0 = ((time_now_ms() + JST_OFFSET_MS) / 86400000 - DAYS + 1) * 24 - 9;
	if (stats_hours(r->db, rally_id, day0, DAYS * 24, stamps, joins) != 0)
		return;
	int64_t daily[DAYS];
	for (int d = 0; d < DAYS; d++) {
		daily[d] = 0;
		for (int h = 0; h < 24; h++)
			daily[d] += stamps[d * 24 + h];
		char t[16];
		time_format_jst((day0 + d * 24) * 3600000, "%m/%d", t, sizeof t);
		labels[d] = arena_strdup(&r->a, t);
	}
	json_object_set_new(view, "daily", bar_chart(labels, daily, DAYS, 5));
}

void console_dashboard(req *r)
{
	struct rally ra;
	struct rally_totals t;
	const char **names;
	int64_t *counts;
	size_t n;
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (stats_totals(r->db, ra.id, &t) != 0 || stats_spots(r->db, &r->a, ra.id, &names, &counts, &n) != 0) {
		r->failed = 1;
		return;
	}
	json_t *view = console_view(r);
	json_object_set_new(view, "rally", json_pack("{s:s, s:s}", "slug", ra.slug, "title", ra.title));
	json_object_set_new(view, "totals", json_pack("{s:I, s:I, s:I, s:I}", "participants", (json_int_t)t.participants,
						      "stamps", (json_int_t)t.stamps, "completions", (json_int_t)t.completions,
						      "first", (json_int_t)t.first_stamps));
	struct tier_stats *tiers;
	int ntiers = stats_tiers(r->db, &r->a, ra.id, &tiers), lottery = 0;
	json_t *tv = json_array();
	for (int i = 0; i < ntiers; i++) {
		lottery |= tiers[i].kind == TIER_LOTTERY;
		json_t *v = json_pack("{s:s, s:s, s:I}", "name", tiers[i].name, "kind",
				      web_text(r, arena_printf(&r->a, "tier.%s", tier_kind_name(tiers[i].kind))), "issued",
				      (json_int_t)tiers[i].issued);
		if (tiers[i].kind == TIER_COUPON)
			json_object_set_new(v, "redeemed", json_integer(tiers[i].redeemed));
		if (tiers[i].stock >= 0)
			json_object_set_new(v, "stock", json_integer(tiers[i].stock));
		json_array_append_new(tv, v);
	}
	json_object_set_new(view, "tiers", tv);
	json_object_set_new(view, "has_tiers", json_boolean(ntiers > 0));
	/* joined → first stamp → completed (→ applied, when the rally has a lottery) */
	const char *funnel_labels[] = {web_text(r, "dash.joined"), web_text(r, "dash.first_stamp"), web_text(r, "dash.completed"),
				       web_text(r, "dash.applied")};
	int64_t funnel[] = {t.participants, t.first_stamps, t.completions, lottery ? stats_applied(r->db, ra.id) : 0};
	json_object_set_new(view, "funnel", hbar_chart(funnel_labels, funnel, lottery ? 4 : 3, t.participants));
	json_object_set_new(view, "per_spot", hbar_chart(names, counts, n, 0));
	series(r, ra.id, view);
	page_render(r, 200, "dashboard", view);
}
