/*
 * config.h — the service's configuration: built-in defaults, then an
 * INI-style file, then STAMPRALLY_* environment variables, then command-line
 * flags.  Every key is listed, with its default and meaning, in config.c's
 * table (and in docs/configuration.md, which `stamprally config` reproduces).
 */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H

#include <stddef.h>

typedef struct config {
	/* [server] */
	char listen[128];          /* ADDR:PORT */
	char public_url[256];      /* e.g. https://stamp.example.jp; derived from listen when empty */
	int threads;               /* worker threads; 0 = number of CPUs */
	char assets_dir[512];      /* development: read assets from here instead of the binary */
	char trusted_proxies[512]; /* comma-separated proxy addresses whose X-Forwarded-For counts */
	int access_log;            /* 1 = one JSON line per request on stderr */
	char tls_cert[512];        /* PEM certificate chain: HTTPS on listen when set */
	char tls_key[512];         /* its PEM private key */
	char tls_priorities[256];  /* GnuTLS priority string */
	char redirect_listen[128]; /* ADDR:PORT answering plain HTTP with 308 to public_url */
	/* [limits] */
	int max_connections;
	int max_connections_per_ip;
	int connection_timeout;    /* seconds */
	int head_timeout;          /* seconds for a complete request head */
	int busy_head_timeout;     /* ... while more than half the connections are in use */
	long connection_memory;    /* bytes per connection (headers + buffers) */
	long max_body;             /* bytes, default for routes without their own */
	long max_url;              /* bytes */
	long max_header;           /* bytes, all request headers together */
	/* [store] */
	char data_dir[512];
	char database[512];        /* SQLite file; default DATA_DIR/stamprally.db */
	char durability[16];       /* normal | full */
	int busy_timeout;          /* milliseconds */
	char group_commit[8];      /* on | off | auto */
	/* [database]: PostgreSQL instead of the SQLite file when url is set */
	char database_url[1024];   /* postgres://... or key=value (libpq) */
	char database_owner_url[1024]; /* the tables' owner, for migrations; default: url */
	char database_password_file[512]; /* the password, when not in the url or PGPASSWORD */
	int statement_timeout;     /* milliseconds a statement may run (PostgreSQL) */
	/* [security] */
	char secret_key_file[512]; /* default DATA_DIR/secret.key, created on first start */
	int session_days;          /* participant session lifetime */
	int secure_cookies;        /* 1 = Secure + __Host- prefix; default: when public_url is https */
	int staff_idle_minutes;    /* console session ends after this much inactivity */
	int staff_session_hours;   /* console session ends this long after login, whatever happens */
	char password_blocklist[512]; /* common passwords refused for staff accounts */
	char data_key_file[512];   /* 32-byte key sealing personal data and secrets */
	char data_key[128];        /* the same key as base64 (e.g. from the environment); wins over the file */
	/* [audit] */
	char audit_key_file[512];  /* Ed25519 seed signing checkpoints; default DATA_DIR/audit-signing.key */
	char audit_file[512];      /* append-only checkpoint file; default DATA_DIR/audit-checkpoints.log */
	int audit_every;           /* a checkpoint after this many new records ... */
	int audit_minutes;         /* ... or this many minutes after the last one */
	/* [backup] */
	char backup_dir[512];      /* default DATA_DIR/backups */
	char backup_key_file[512]; /* 32-byte key encrypting backups; default DATA_DIR/backup.key */
	char backup_time[16];      /* HH:MM in JST, or "off" */
	int backup_keep;           /* generations kept */
	char backup_copy[1024];    /* command run with each new backup's path (offsite copy) */
	int backup_max_age_hours;  /* /readyz degraded when the last good backup is older */
	/* [retention] */
	int keep_events_days;      /* security events older than this are pruned (with a signed checkpoint) */
	int keep_access_days;      /* access-log files older than this are deleted */
	int keep_personal_days;    /* personal data this many days after a rally ends; 0 = kept */
	int keep_mail_days;        /* sent or given-up e-mail is deleted from the outbox after this */
	char retention_time[16];   /* HH:MM in JST, or "off" */
	/* [metrics], [monitoring] */
	char metrics_token[128];   /* bearer token for /metrics (wins over the file) */
	char metrics_token_file[512]; /* default DATA_DIR/metrics.token, made on first start */
	char metrics_listen[128];  /* ADDR:PORT serving /metrics without a token (and not on listen) */
	int min_free_disk_mb;      /* /readyz: the data directory's filesystem needs this much free */
	char ready_requires[128];  /* /readyz components whose failure fails readiness */
	/* [log] */
	char access_dir[512];      /* access-log files (access-YYYY-MM-DD.jsonl); default DATA_DIR/logs; "off" */
	/* [line] */
	char map_tile_url[256];    /* map tiles, {z}/{x}/{y}; "" for no map */
	char map_attribution[256]; /* the tiles' attribution (plain text) */
	char line_auth_base[256];  /* LINE authorization host */
	char line_api_base[256];   /* LINE API host (token, revoke) */
	long line_timeout_ms;
	/* [mail] */
	char mail_smtp_url[512];   /* smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT; empty: no e-mail */
	char mail_tls[16];         /* required | none (plain SMTP: loopback relays only) */
	char mail_username[256], mail_password[256];
	char mail_from[256];       /* From: of every message, "Name <addr>" or addr */
	char mail_contact[512];    /* how to reach the operator: the last lines of every message */
	int mail_retry_seconds;    /* first retry after this; doubling, at most an hour */
	int mail_give_up_hours;    /* a message not accepted by then is given up (recorded) */
} config;

/* Fill c with the built-in defaults. */
void config_defaults(config *c);
/* Read an INI file over c. Returns 0, or -1 and a message in err. */
int config_load_file(config *c, const char *path, char *err, size_t errsz);
/* Apply STAMPRALLY_<SECTION>_<KEY> variables from envp over c. */
int config_load_env(config *c, char **envp, char *err, size_t errsz);
/* Set one key ("section.key") from text; -1 with a message on bad input. */
int config_set(config *c, const char *key, const char *value, char *err, size_t errsz);
/* Fill the derived values (database path, public_url, ...). Call last. */
void config_finish(config *c);
/* Write every key with its default and description (for docs and --help). */
void config_describe(void (*emit)(const char *key, const char *def, const char *doc, void *ud), void *ud);

#endif
