/*
 * demo.c — see demo.h.  The demo is an ordinary import document, so it goes
 * through the same validation and code path as an organizer's file.
 */
#include "core/demo.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/editor.h"
#include "core/import.h"
#include "core/rewards.h"
#include "core/secret.h"

static const char DEMO[] =
	"{\"tenant\": \"demo\", \"tenant_name\": \"みなと町観光協会（デモ）\","
	" \"slug\": \"" DEMO_RALLY_SLUG "\","
	" \"title\": \"みなと町 さんぽスタンプラリー\","
	" \"description\": \"港町の名所5か所をめぐるデモのスタンプラリーです。各スポットのQRコードを読み取ってスタンプを集めましょう。全部そろうとコンプリート！\","
	" \"starts_at\": \"2025-04-01T00:00:00+09:00\", \"ends_at\": \"2035-03-31T23:59:59+09:00\","
	" \"status\": \"published\","
	" \"spots\": ["
	"  {\"name\": \"駅前観光案内所\", \"latitude\": 35.4509, \"longitude\": 139.6313, \"description\": \"まずはここから。ラリーの台紙とマップがあります。\"},"
	"  {\"name\": \"みなと公園\", \"latitude\": 35.4448, \"longitude\": 139.6425, \"description\": \"海風が気持ちいい芝生の公園。噴水の横にQRコードがあります。\"},"
	"  {\"name\": \"赤レンガ倉庫\", \"latitude\": 35.4527, \"longitude\": 139.643, \"description\": \"明治時代の倉庫を改装したショップとカフェ。\"},"
	"  {\"name\": \"海の見える丘\", \"latitude\": 35.438, \"longitude\": 139.65, \"description\": \"港を一望できる展望台。夕暮れがおすすめです。\"},"
	"  {\"name\": \"中央商店街\", \"latitude\": 35.444, \"longitude\": 139.635, \"description\": \"昔ながらの商店街。アーケード中央の掲示板にQRコードがあります。\"}"
	" ]}";

/* The demo's rewards, one of each kind: a coupon for three stamps, a
 * first-come prize and a prize draw (with its entry form) for all five. */
static int demo_rewards(db *d, int64_t now)
{
	static const char form[] = "{\"name\":{\"required\":true},\"kana\":{\"required\":false},"
				   "\"postal\":{\"required\":true},\"address\":{\"required\":true},"
				   "\"phone\":{\"required\":true},\"email\":{\"required\":false},\"age\":{\"required\":false},"
				   "\"q1\":{\"required\":false,\"label\":\"このラリーを何で知りましたか\"}}";
	int64_t rally = db_int1(d, 0, "SELECT id FROM rallies WHERE slug = $1", "t", DEMO_RALLY_SLUG);
	if (rally <= 0 || tier_create(d, rally, "みなと珈琲 ドリンク1杯無料", "", TIER_COUPON, COND_COUNT, 3, "", -1, NULL, now) <= 0 ||
	    tier_create(d, rally, "記念缶バッジ（先着100名）", "", TIER_FIRST_COME, COND_ALL, 0, "", 100, NULL, now) <= 0 ||
	    tier_create(d, rally, "抽選で5名様に 港町ディナー券", "", TIER_LOTTERY, COND_ALL, 0, "", -1, form, now) <= 0)
		return -1;
	return 0;
}

int demo_seed(db *d, const char *public_url, int64_t now, json_t **result, char *err, size_t errsz)
{
	json_error_t je;
	json_t *doc = json_loads(DEMO, 0, &je);
	*result = NULL;
	if (!doc) {
		snprintf(err, errsz, "demo document: %s", je.text);
		return -1;
	}
	int exists = db_int1(d, 0, "SELECT count(*) FROM rallies WHERE slug = $1", "t", DEMO_RALLY_SLUG) > 0;
	int rc;
	if (exists) {
		/* Leave the organizer's changes alone; only report the spots. */
		json_t *spots = json_array();
		db_stmt *st = db_query(d, "SELECT s.name, s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id"
					  " WHERE r.slug = $1 ORDER BY s.position", "t", DEMO_RALLY_SLUG);
		while (db_row(st) == DB_ROW)
			json_array_append_new(spots, json_pack("{s:s, s:s++, s:s}", "name", db_text(st, 0), "qr_url",
							       public_url, "/q/", db_text(st, 1), "qr_token", db_text(st, 1)));
		db_done(st);
		*result = json_pack("{s:s, s:o}", "rally", DEMO_RALLY_SLUG, "spots", spots);
		rc = 0;
	} else {
		/* one transaction: the rally, its spots and its rewards, or nothing
		 * (db_commit rolls back itself when it fails) */
		snprintf(err, errsz, "cannot write the demo rally");
		rc = db_begin(d) == 0 ? 0 : -1;
		if (rc == 0) {
			rc = rally_import(d, doc, public_url, now, result, err, errsz);
			if (rc == 0 && demo_rewards(d, now) != 0)
				rc = -1;
			if (rc != 0)
				db_rollback(d);
			else if (db_commit(d) != 0)
				rc = -1;
		}
		if (rc != 0) {
			json_decref(*result);
			*result = NULL;
		}
	}
	json_decref(doc);
	return rc;
}

int demo_desk_pin(db *d, char pin[8])
{
	char hash[SECRET_HASH_BYTES];
	snprintf(pin, 8, "%06u", (unsigned)randombytes_uniform(1000000));
	int64_t rally = db_int1(d, 0, "SELECT id FROM rallies WHERE slug = $1", "t", DEMO_RALLY_SLUG);
	/* hashed before the write: nothing slow in a transaction */
	if (rally <= 0 || secret_hash(pin, hash) != 0 || rally_set_desk_pin(d, rally, hash) != 0) {
		pin[0] = '\0';
		return -1;
	}
	return 0;
}
