/* test_tpl.c — the template engine: escaping, sections, partials, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tpl.h"

static const tpl *partials_lookup(void *ud, const char *name);
static const char *translate(void *ud, const char *key)
{
	(void)ud;
	if (strcmp(key, "hello") == 0)
		return "Hello, {name}! <b>{missing}</b>";
	return NULL;
}

static tpl *partial_tpl;
static const tpl *partials_lookup(void *ud, const char *name)
{
	(void)ud;
	return strcmp(name, "p") == 0 ? partial_tpl : NULL;
}

/* Render src with data (JSON text); returns a heap string. */
static char *render(const char *src, const char *data)
{
	tpl *t;
	char err[128];
	json_error_t je;
	assert_int_equal(tpl_compile(src, strlen(src), &t, err, sizeof err), 0);
	json_t *d = json_loads(data, 0, &je);
	assert_non_null(d);
	buf out = BUF_INIT;
	tpl_env env = {partials_lookup, translate, NULL};
	tpl_render(t, d, &env, &out);
	json_decref(d);
	tpl_free(t);
	return buf_detach(&out);
}

#define EXPECT(src, data, want)                                \
	do {                                                   \
		char *got_ = render(src, data);                \
		assert_string_equal(got_, want);               \
		free(got_);                                    \
	} while (0)

static void every_special_character_is_escaped_in_text(void **s)
{
	(void)s;
	EXPECT("<p>{{v}}</p>", "{\"v\": \"& < > \\\" '\"}", "<p>&amp; &lt; &gt; &quot; &#39;</p>");
}

static void values_are_safe_in_attributes(void **s)
{
	(void)s;
	EXPECT("<a title=\"{{v}}\" data-x='{{v}}'>", "{\"v\": \"\\\" onmouseover='alert(1)'\"}",
	       "<a title=\"&quot; onmouseover=&#39;alert(1)&#39;\" data-x='&quot; onmouseover=&#39;alert(1)&#39;'>");
}

static void raw_marker_writes_unescaped(void **s)
{
	(void)s;
	EXPECT("{{raw! v}}|{{v}}", "{\"v\": \"<b>\"}", "<b>|&lt;b&gt;");
}

static void scalars_render_and_missing_is_empty(void **s)
{
	(void)s;
	EXPECT("{{i}} {{f}} {{t}} {{n}} {{nothing}}.", "{\"i\": 42, \"f\": 1.5, \"t\": true, \"n\": null}", "42 1.5 true  .");
}

static void dotted_names_and_context_stack(void **s)
{
	(void)s;
	EXPECT("{{a.b.c}} {{#a}}{{x}}{{b.c}}{{/a}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}, \"x\": \"root\"}",
	       "deep rootdeep");
}

static void sections_iterate_arrays_and_push_objects(void **s)
{
	(void)s;
	EXPECT("{{#items}}[{{name}}]{{/items}}", "{\"items\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
	       "[a][&lt;b&gt;]");
	EXPECT("{{#list}}{{.}},{{/list}}", "{\"list\": [1, \"x\", \"&\"]}", "1,x,&amp;,");
	EXPECT("{{#o}}{{k}}{{/o}}", "{\"o\": {\"k\": \"v\"}}", "v");
}

static void falsy_values_skip_sections_and_show_inverted(void **s)
{
	(void)s;
	const char *src = "{{#v}}yes{{/v}}{{^v}}no{{/v}}";
	EXPECT(src, "{\"v\": false}", "no");
	EXPECT(src, "{\"v\": null}", "no");
	EXPECT(src, "{\"v\": []}", "no");
	EXPECT(src, "{\"v\": \"\"}", "no");
	EXPECT(src, "{}", "no");
	EXPECT(src, "{\"v\": 0}", "yes");
	EXPECT(src, "{\"v\": \"x\"}", "yes");
	EXPECT(src, "{\"v\": [1]}", "yes");
}

static void nested_sections_with_the_same_name_close_correctly(void **s)
{
	(void)s;
	EXPECT("{{#a}}<{{#b}}{{c}}{{/b}}>{{/a}}!", "{\"a\": [{\"b\": {\"c\": 1}}, {\"b\": {\"c\": 2}}]}", "<1><2>!");
}

static void partials_render_in_the_current_context(void **s)
{
	(void)s;
	char err[64];
	assert_int_equal(tpl_compile("({{v}})", 7, &partial_tpl, err, sizeof err), 0);
	EXPECT("{{>p}}{{#o}}{{>p}}{{/o}}{{>unknown}}", "{\"v\": \"<r>\", \"o\": {\"v\": \"inner\"}}", "(&lt;r&gt;)(inner)");
	tpl_free(partial_tpl);
	partial_tpl = NULL;
}

static void recursive_partials_stop(void **s)
{
	(void)s;
	char err[64];
	assert_int_equal(tpl_compile("x{{>p}}", 7, &partial_tpl, err, sizeof err), 0);
	char *got = render("{{>p}}", "{}");
	assert_string_equal(got, "xxxxxxxx");
	free(got);
	tpl_free(partial_tpl);
	partial_tpl = NULL;
}

static void translations_fill_escaped_placeholders(void **s)
{
	(void)s;
	EXPECT("{{t:hello}} {{t:unknown.key}}", "{\"name\": \"<Taro>\"}", "Hello, &lt;Taro&gt;! &lt;b&gt;&lt;/b&gt; unknown.key");
}

static void fill_without_escaping_for_json(void **s)
{
	(void)s;
	json_t *vars = json_pack("{s:s}", "when", "<soon>");
	buf out = BUF_INIT;
	tpl_fill("starts {when} {x} {not a placeholder} {", vars, 0, &out);
	assert_string_equal(buf_str(&out), "starts <soon>  {not a placeholder} {");
	buf_reset(&out);
	tpl_fill("starts {when}", vars, 1, &out);
	assert_string_equal(buf_str(&out), "starts &lt;soon&gt;");
	buf_free(&out);
	json_decref(vars);
}

static void comments_render_nothing(void **s)
{
	(void)s;
	EXPECT("a{{! anything { here }}b{{! x}}", "{\"v\": 1}", "ab");
}

static void expect_error(const char *src, const char *msg)
{
	tpl *t = NULL;
	char err[128] = "";
	assert_int_equal(tpl_compile(src, strlen(src), &t, err, sizeof err), -1);
	assert_null(t);
	assert_non_null(strstr(err, msg));
}

static void malformed_templates_are_refused(void **s)
{
	(void)s;
	expect_error("hello {{name", "line 1: unclosed tag");
	expect_error("a\n{{#s}}x", "section is never closed");
	expect_error("{{#a}}{{/b}}", "does not match");
	expect_error("x\n\n{{/a}}", "line 3: closing tag without a section");
	expect_error("{{}}", "bad tag name");
	expect_error("{{a b}}", "bad tag name");
	expect_error("{{<script>}}", "bad tag name");
	expect_error("{{raw!}}", "bad tag name");
}

static void deep_nesting_is_refused(void **s)
{
	(void)s;
	buf b = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_puts(&b, "{{#a}}");
	tpl *t = NULL;
	char err[128];
	assert_int_equal(tpl_compile(b.data, b.len, &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "nested too deeply"));
	buf_free(&b);
}

static void text_without_tags_and_lone_braces(void **s)
{
	(void)s;
	EXPECT("plain { text } {", "{}", "plain { text } {");
	EXPECT("", "{}", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_special_character_is_escaped_in_text),
		cmocka_unit_test(values_are_safe_in_attributes),
		cmocka_unit_test(raw_marker_writes_unescaped),
		cmocka_unit_test(scalars_render_and_missing_is_empty),
		cmocka_unit_test(dotted_names_and_context_stack),
		cmocka_unit_test(sections_iterate_arrays_and_push_objects),
		cmocka_unit_test(falsy_values_skip_sections_and_show_inverted),
		cmocka_unit_test(nested_sections_with_the_same_name_close_correctly),
		cmocka_unit_test(partials_render_in_the_current_context),
		cmocka_unit_test(recursive_partials_stop),
		cmocka_unit_test(translations_fill_escaped_placeholders),
		cmocka_unit_test(fill_without_escaping_for_json),
		cmocka_unit_test(comments_render_nothing),
		cmocka_unit_test(malformed_templates_are_refused),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(text_without_tags_and_lone_braces),
	};
	return cmocka_run_group_tests_name("tpl", tests, NULL, NULL);
}
