/*
 * disclosure.c — see disclosure.h. Each answer says what the software does
 * with this configuration, never more: what depends on the operator's
 * contracts, buildings and people is left for them.
 */
#include "ops/disclosure.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <string.h>

#include "lib/hostinfo.h"
#include "lib/timeutil.h"

#ifndef STAMPRALLY_VERSION
#define STAMPRALLY_VERSION "0.1.0"
#endif

struct sheet {
	FILE *out;
	int en;
};

/* One line: number, item (ja/en), answer (printf format, already in the
 * sheet's language), and whether the software knows it. */
static void line(struct sheet *s, int num, const char *ja, const char *en, int known, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void line(struct sheet *s, int num, const char *ja, const char *en, int known, const char *fmt, ...)
{
	char answer[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(answer, sizeof answer, fmt, ap);
	va_end(ap);
	fprintf(s->out, "%d\t%s\t%s\t%s\n", num, s->en ? en : ja, answer, known ? "auto" : "operator");
}

/* The operator's blank. */
static void blank(struct sheet *s, int num, const char *ja, const char *en)
{
	line(s, num, ja, en, 0, "%s", s->en ? "(for the operator to fill in)" : "（運用者が記入）");
}

#define T(j, e) (s->en ? (e) : (j))

/* The TLS certificate's issuer and expiry, when the server terminates TLS. */
static int cert_info(const char *file, char *issuer, size_t n, int64_t *not_after)
{
	gnutls_datum_t pem = {0}, dn = {0};
	gnutls_x509_crt_t crt;
	int ok = gnutls_load_file(file, &pem) == 0 && gnutls_x509_crt_init(&crt) == 0;
	if (ok) {
		ok = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) == 0 &&
		     gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) == 0;
		if (ok) {
			snprintf(issuer, n, "%.*s", (int)dn.size, (const char *)dn.data);
			*not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt) * 1000;
		}
		gnutls_free(dn.data);
		gnutls_x509_crt_deinit(crt);
	}
	gnutls_free(pem.data);
	return ok ? 0 : -1;
}

static void service_items(struct sheet *s, const config *c, db *d)
{
	char today[32];
	time_format_jst(time_now_ms(), "%Y-%m-%d", today, sizeof today);
	line(s, 1, "情報開示の時点", "Date of disclosure", 1, "%s", today);
	blank(s, 2, "サービス名称", "Service name");
	int64_t line_tenants = db_int1(d, 0, "SELECT count(*) FROM tenants WHERE line_channel_id <> ''", NULL);
	line(s, 5, "他の事業者とのサービス連携", "Services of other providers used", 1, "%s",
	     line_tenants ? T("有り: LINE ログイン（参加者の任意ログイン）", "Yes: LINE Login (participants' optional login)")
			  : T("無し（LINE ログインは未設定）", "None (LINE Login not configured)"));
	blank(s, 6, "サービスの提供時間", "Hours of service");
	line(s, 7, "カスタマイズの範囲", "Customisation", 1, "%s",
	     T("ラリーごとに配色（3色）、カバー画像、スポットとスタンプの画像、文言、特典、抽選の応募項目",
	       "per rally: colours (three), cover image, spot and stamp images, texts, rewards, lottery entry fields"));
	line(s, 10, "変更・終了の告知方法", "How changes and the end are announced", 1, "%s",
	     c->mail_smtp_url[0]
		     ? T("メール（主催者のオーナー・管理者）、Web サイト（公開の /status）、サービス内（管理画面のバナー）",
			 "e-mail (the organizers' owners and admins), the web (the public /status page), in the service (console "
			 "banners)")
		     : T("Web サイト（公開の /status）とサービス内（管理画面のバナー）。メールは未設定（mail.smtp_url）",
			 "the web (the public /status page) and in the service (console banners); e-mail not set up (mail.smtp_url)"));
	line(s, 11, "終了時の代替措置", "On termination", 1, "%s",
	     T("有り: 参加者、スタンプ、特典、抽選応募を CSV でエクスポートできます（Excel 対応）",
	       "Yes: participants, stamps, rewards and lottery entries can be exported as CSV (Excel-ready)"));
	/* On PostgreSQL the rows go and stamprally's backups are scrubbed; the
	 * server's files are VACUUM FULL's, its WAL and WAL archive its own. */
	const char *deletion = c->database_url[0]
		? T("有り: stamprally tenant purge（運用コンソールからも）でテナントの全データを削除し、stamprally の全バックアップ"
		    "世代（pg_dump）からも消去します。サービス停止中の消去では PostgreSQL の VACUUM FULL でテーブルファイルを"
		    "書き直します。PostgreSQL の WAL と WAL アーカイブには保持期間まで残ります（運用者が記入）",
		    "Yes: stamprally tenant purge (or the operator console) deletes every row of the tenant and scrubs every "
		    "generation of stamprally's backups (pg_dump); purged with the service stopped, PostgreSQL's VACUUM FULL "
		    "rewrites the table files. PostgreSQL's WAL and WAL archive keep them until they expire (operator)")
		: T("有り: stamprally tenant purge（運用コンソールからも）でテナントの全データをデータベースの secure_delete（ゼロで"
		    "上書き）で削除し、先行書き込みログを切り詰め、全バックアップ世代からも消去するため復旧できません",
		    "Yes: stamprally tenant purge (or the operator console) deletes every row of the tenant with the "
		    "database's secure delete (overwritten with zeros), truncates the write-ahead log and scrubs every "
		    "backup generation, so it cannot be recovered");
	line(s, 13, "情報の削除方法", "Deletion", 1, "%s%s", deletion,
	     c->keep_personal_days > 0 ? (s->en ? "; personal data of a rally is also deleted automatically after it ends"
						: "。ラリー終了後、設定日数で個人情報を自動削除（保存期間）")
				       : "");
	line(s, 14, "削除・廃棄の証明書", "Certificate of deletion", 1, "%s",
	     T("有り: 消去証明書（消去した件数、バックアップ、日時、実施者、理由）を Ed25519 署名付きで発行（印刷用ページと JSON）。stamprally certificate verify でオフライン検証",
	       "Yes: an erasure certificate (what was erased, backups, when, by whom, why) signed with Ed25519 (a printable "
	       "page and JSON), checked offline with stamprally certificate verify"));
}

static void quality_items(struct sheet *s, const config *c)
{
	line(s, 20, "サービス稼働率の目標値", "Availability objective", 1, "%s",
	     T("99.9%（deploy/prometheus/alerts.yml のバーンレートアラートの目標、docs/slo.md）",
	       "99.9 % (the burn-rate alerts of deploy/prometheus/alerts.yml, docs/slo.md)"));
	line(s, 21, "応答速度の低下の検知", "Detecting slow responses", 1, "%s",
	     T("有り: /metrics の応答時間ヒストグラム（経路別）、スタンプ取得の 0.5 秒目標のアラート、書き込み待ちのアラート",
	       "Yes: latency histograms per route group at /metrics, an alert on the 0.5 s stamp-claim objective, a "
	       "write-backlog alert"));
	if (strcmp(c->backup_time, "off") == 0)
		line(s, 25, "バックアップの間隔", "Backup interval", 1, "%s",
		     T("無し（backup.time = off）", "None (backup.time = off)"));
	else
		line(s, 25, "バックアップの間隔", "Backup interval", 1, s->en ? "daily at %s (Japan time), encrypted%s" : "日次（毎日 %s）、暗号化%s",
		     c->backup_time, !c->database_url[0] ? ""
					 : T("（pg_dump。WAL アーカイブによる任意時点への復旧は運用者が記入）",
					     " (pg_dump; point-in-time recovery by WAL archiving: operator)"));
	line(s, 26, "世代バックアップ", "Backup generations", 1, s->en ? "%d generations" : "%d世代", c->backup_keep);
	if (c->database_url[0])
		line(s, 27, "サービスが停止しない仕組み", "Keeping the service up", 1, "%s",
		     T("複数台のアプリケーションサーバーを負荷分散装置の背後に置き、1台が止まっても他が応答（PostgreSQL を共有）。"
		       "各台は systemd による監視と自動再起動",
		       "several application nodes behind a load balancer on one PostgreSQL: when one stops, the others answer; "
		       "each supervised and restarted by systemd"));
	else
		line(s, 27, "サービスが停止しない仕組み", "Keeping the service up", 1, "%s",
		     T("systemd による監視と自動再起動（ウォッチドッグ）、無停止の再起動（ソケット引き継ぎ）。複数台構成は運用者が記入",
		       "supervision and automatic restart by systemd (watchdog), restarts without dropped requests "
		       "(socket hand-over); several nodes: operator"));
	line(s, 28, "DR 対策", "Disaster recovery", 1, "%s",
	     c->backup_copy[0] ? T("有り: バックアップを毎回別の場所へ複製（backup.copy_command）",
				   "Yes: each backup is copied elsewhere (backup.copy_command)")
			       : T("無し（backup.copy_command が未設定）", "None (backup.copy_command not set)"));
}

static void security_items(struct sheet *s, const config *c)
{
	line(s, 31, "死活監視", "Liveness monitoring", 1, "%s",
	     T("有り: /healthz（生存）、/readyz（DB・書き込み・ディスク・時刻・バックアップ）、/metrics（Prometheus）",
	       "Yes: /healthz (alive), /readyz (database, writer, disk, clock, backup), /metrics (Prometheus)"));
	struct clock_state cs;
	if (clock_state(&cs) != 0)
		line(s, 32, "時刻同期", "Time synchronisation", 1, "%s", T("不明（時刻同期の状態を読めません）", "unknown"));
	else if (cs.synced)
		line(s, 32, "時刻同期", "Time synchronisation", 1,
		     s->en ? "Yes: the clock is synchronised (NTP), estimated error %.0f ms" : "有り: NTP で同期済み（推定誤差 %.0f ms）",
		     cs.est_error_s * 1000);
	else
		line(s, 32, "時刻同期", "Time synchronisation", 1, "%s",
		     T("無し: このマシンの時刻は同期されていません（NTP を設定してください）",
		       "No: this machine's clock is not synchronised (configure NTP)"));
	line(s, 34, "管理者権限の運用管理", "Administrator accounts", 1, "%s",
	     T("運用者・スタッフのアカウントは個人ごと、初期パスワードはランダム（表示は一度だけ）、運用者は必ず2段階認証（TOTP）、権限の付与・変更・停止は即時に反映され操作ログに記録",
	       "operator and staff accounts are personal, with random initial passwords shown once; operators always use "
	       "two-step verification (TOTP); grants, role changes and disabling take effect at once and are logged"));
	line(s, 35, "ID・パスワードの運用管理", "IDs and passwords", 1, "%s",
	     T("利用者（主催者）のオーナー・管理者がスタッフを管理。パスワードは argon2id で保存、NIST SP 800-63B に沿った規則（定期変更なし、よく使われるパスワードの拒否）",
	       "the organizer's owners and admins manage their staff; passwords stored with argon2id, rules after NIST SP "
	       "800-63B (no forced rotation, common passwords refused)"));
	line(s, 36, "利用状況の記録", "Usage records", 1,
	     s->en ? "Yes: an access log, one file per day, kept %d days" : "有り: アクセスログを日ごとのファイルで取得、%d日間保存",
	     c->keep_access_days);
	line(s, 37, "システム運用のログ", "Operation logs", 1,
	     s->en ? "Yes: security events (logins, account changes, exports, backups, ...), kept %d days; owners and "
		     "admins see their own at /console/audit"
		   : "有り: セキュリティイベント（ログイン、アカウント変更、エクスポート、バックアップ等）を%d日間保存。主催者のオーナー・管理者は自テナント分を閲覧可",
	     c->keep_events_days);
	line(s, 38, "ログの改ざん防止", "Log tamper protection", 1, "%s",
	     T("有り: ハッシュチェーン（BLAKE2b）と Ed25519 署名のチェックポイント（データベース外のファイルにも記録）。stamprally audit verify で検証",
	       "Yes: a hash chain (BLAKE2b) with Ed25519-signed checkpoints, also in a file outside the database; checked "
	       "by stamprally audit verify"));
	line(s, 39, "パッチ管理", "Patches", 0, "%s",
	     T("依存ライブラリは Debian 12 のパッケージ（stamprally version --deps）。適用方針は運用者が記入",
	       "libraries are Debian 12 packages (stamprally version --deps); the policy: operator"));
	line(s, 40, "暗号化（データベース）", "Encryption at rest", 1, "%s",
	     T("有り: 個人情報（抽選の応募内容、LINE の表示名、回復コード）と秘密情報を XChaCha20-Poly1305 で暗号化、パスワードは argon2id、バックアップは別の鍵で暗号化。ディスク暗号化は運用者が記入",
	       "Yes: personal data (lottery answers, LINE names, recovery codes) and secrets with XChaCha20-Poly1305, "
	       "passwords with argon2id, backups under a separate key; disk encryption: operator"));
}

static void network_items(struct sheet *s, const config *c)
{
	line(s, 44, "推奨端末・ブラウザ", "Supported devices and browsers", 1, "%s",
	     T("docs/browsers.md（スマートフォンの主要ブラウザ、JavaScript なしでも動作）",
	       "docs/browsers.md (current phone browsers; works without JavaScript)"));
	blank(s, 46, "ファイアウォール", "Firewall");
	line(s, 49, "ユーザー認証", "User authentication", 1, "%s",
	     T("運用者: ID、パスワードと2段階認証（TOTP）。スタッフ: ID とパスワード、2段階認証は任意（オーナーが必須にできる）。試行は ID・アドレスごとに制限、不正アクセスを警告。参加者: 匿名のカード、任意で LINE ログイン、ラリーごとのパスコード",
	       "operators: ID, password and two-step verification (TOTP); staff: ID and password, TOTP by choice (an owner "
	       "can require it); attempts limited per ID and address, brute-force alerts; participants: an anonymous card, "
	       "optional LINE Login, a passcode per rally"));
	int https = strncmp(c->public_url, "https://", 8) == 0;
	char issuer[300] = "", until[40] = "";
	int64_t not_after = 0;
	if (c->tls_cert[0] && cert_info(c->tls_cert, issuer, sizeof issuer, &not_after) == 0) {
		time_format_jst(not_after, "%Y-%m-%d", until, sizeof until);
		line(s, 50, "なりすまし対策", "Anti-spoofing", 1,
		     s->en ? "Yes: server certificate issued by %s, valid until %s" : "有り: サーバ証明書（発行者 %s、有効期限 %s）",
		     issuer, until);
		line(s, 51, "暗号化（通信）", "Encryption in transit", 1, "%s",
		     T("有り: TLS 1.2 と 1.3 のみ（AEAD 暗号）、HSTS、HTTP は HTTPS へ転送",
		       "Yes: TLS 1.2 and 1.3 only (AEAD ciphers), HSTS, HTTP redirected to HTTPS"));
	} else if (https) {
		line(s, 50, "なりすまし対策", "Anti-spoofing", 0, "%s",
		     T("有り: リバースプロキシのサーバ証明書（発行者は運用者が記入）",
		       "Yes: the reverse proxy's server certificate (issuer: operator)"));
		line(s, 51, "暗号化（通信）", "Encryption in transit", 1, "%s",
		     T("有り: TLS はリバースプロキシで終端（deploy/nginx: TLS 1.2/1.3）、HSTS",
		       "Yes: TLS terminated at the reverse proxy (deploy/nginx: TLS 1.2/1.3), HSTS"));
	} else {
		line(s, 50, "なりすまし対策", "Anti-spoofing", 1, "%s",
		     T("無し: public_url が http です", "No: public_url is http"));
		line(s, 51, "暗号化（通信）", "Encryption in transit", 1, "%s",
		     T("無し: 通信は暗号化されていません（server.tls_cert かリバースプロキシを設定してください）",
		       "No: traffic is not encrypted (set server.tls_cert or a reverse proxy)"));
	}
	line(s, 56, "メンテナンスの事前告知", "Notice of maintenance", 1, "%s",
	     c->mail_smtp_url[0]
		     ? T("7日前までに告知（管理画面・参加者画面のバナー、公開の /status、主催者のオーナー・管理者へのメールと前日のリマインダー）。メンテナンス中は全画面で告知文と再開予定時刻を表示",
			 "at least 7 days ahead (banners on the console and participant pages, the public /status page, e-mail to "
			 "the organizers' owners and admins and a reminder the day before); during maintenance every page shows "
			 "the message and the expected end")
		     : T("7日前までに告知（管理画面・参加者画面のバナーと公開の /status）。メンテナンス中は全画面で告知文と再開予定時刻を表示。メールは未設定（mail.smtp_url）",
			 "at least 7 days ahead (banners on the console and participant pages, the public /status page); during "
			 "maintenance every page shows the message and the expected end; e-mail not set up (mail.smtp_url)"));
	blank(s, 60, "サーバ設置場所", "Server location");
}

int disclosure_print(const config *c, db *d, FILE *out, int en)
{
	struct sheet s = {out, en};
	fprintf(out, "# %s stamprally %s\n", en ? "Disclosure checksheet answers of" : "情報開示チェックシートの回答", STAMPRALLY_VERSION);
	service_items(&s, c, d);
	quality_items(&s, c);
	security_items(&s, c);
	network_items(&s, c);
	return db_failed(d) ? -1 : 0;
}
