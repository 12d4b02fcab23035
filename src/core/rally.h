/*
 * rally.h — rallies and their spots: loading them and the rules of a rally's
 * period and status.  Strings in the structs are allocated from the arena
 * the caller passes, and live as long as it.
 */
#ifndef SR_RALLY_H
#define SR_RALLY_H

#include <stddef.h>
#include <stdint.h>

#include "core/kinds.h"
#include "lib/arena.h"
#include "store/db.h"

struct rally {
	int64_t id, tenant_id;
	const char *slug, *title, *description;
	enum rally_status status;
	enum join_policy join_policy;
	int64_t starts_at, ends_at; /* UTC ms */
	int64_t spots_version;      /* changes with any change to its spots */
	int suspended;              /* its tenant is suspended (core/tenant.h) */
	int preview;                /* not stored: this request's organizer previews the draft (open to them) */
	char primary[8];            /* the theme's main colour, "#rrggbb" (the generated hanko's ink) */
};

struct spot {
	int64_t id, rally_id;
	const char *public_id, *name, *description, *qr_token;
	const char *image, *stamp_image; /* public ids of uploaded images, or NULL */
	int open_from, open_until;       /* minutes after midnight JST; -1: always open */
	enum repeat_mode repeat_mode;    /* once, daily (JST), every repeat_hours */
	int64_t repeat_hours;
	int position;
	unsigned methods;                /* accepted methods, 1u << enum stamp_method (core/methods.h) */
	int disabled;                    /* taken out of the rally: hidden, no new stamps (0018) */
};

/* Whether a rally takes stamps now, and if not, why. */
enum rally_state {
	RALLY_OPEN,        /* published and within its period */
	RALLY_DRAFT,       /* not public: behaves as if it did not exist */
	RALLY_NOT_STARTED, /* published, before starts_at */
	RALLY_ENDED,       /* published, at or after ends_at */
	RALLY_CLOSED,      /* closed or archived by the organizer */
	RALLY_SUSPENDED,   /* its tenant is suspended by the operator: a neutral notice */
	RALLY_FULL,        /* not from rally_state: a join refused by the tenant's participant quota */
};

/* Call fn for each enabled spot of rally_id that has a position (latitude,
 * longitude). 0, or -1 on error. */
int spot_positions(db *d, int64_t rally_id, void (*fn)(const char *public_id, double lat, double lon, void *ud), void *ud);
/* Load the rally with this slug into *out. 1 found, 0 not found, -1 error. */
int rally_by_slug(db *d, arena *a, const char *slug, struct rally *out);
/* Load the rally with this id. 1/0/-1. */
int rally_by_id(db *d, arena *a, int64_t id, struct rally *out);
/* Load the rally's spots in use (not disabled) in order into a new arena
 * array (*out, *n), from this thread's cache when it holds r's current
 * spots_version. Returns 0 or -1. */
int rally_spots(db *d, arena *a, const struct rally *r, struct spot **out, size_t *n);
/* Load the spot in use with this QR token and its rally. 1 found, 0 not, -1 error. */
int spot_by_token(db *d, arena *a, const char *token, struct spot *spot, struct rally *rally);
/* Load the spot in use with this public id and its rally. 1/0/-1. */
int spot_by_public_id(db *d, arena *a, const char *public_id, struct spot *spot, struct rally *rally);
/* The same, disabled spots included (the console). 1/0/-1. */
int spot_by_public_id_any(db *d, arena *a, const char *public_id, struct spot *spot, struct rally *rally);
/* Count the rally's spots in use. */
int64_t rally_spot_count(db *d, int64_t rally_id);
/* How many participants rally_id has (-1 on error). */
int64_t rally_participant_count(db *d, int64_t rally_id);
/* The public id of spot id (arena string), or NULL. */
const char *spot_public_id(db *d, arena *a, int64_t spot_id);
/* True when the spot takes stamps at time now (its opening hours, JST). */
int spot_open(const struct spot *s, int64_t now);
/* The rally's state at time now (UTC ms). */
enum rally_state rally_state(const struct rally *r, int64_t now);
/* A stable lowercase code for a state ("open", "draft", "not_started", ...). */
const char *rally_state_code(enum rally_state s);
/* List published, closed and archived rallies, newest first, at most max.
 * Returns the count, or -1. */
int rally_list_public(db *d, arena *a, struct rally *out, int max);
/* All rallies of a tenant, newest first, into a new arena array. Count or -1. */
int rally_list_tenant(db *d, arena *a, int64_t tenant_id, struct rally **out);
/* True when s is a valid slug: 1-64 of [a-z0-9-], not starting with '-'. */
int rally_slug_valid(const char *s);

#endif
