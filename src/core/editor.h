/*
 * editor.h — organizers' changes to rallies and spots: validation rules,
 * status transitions, theme colours and their contrast, passcodes.
 * Validation returns per-field catalog keys so pages can show each error
 * next to its field; nothing is written unless everything is valid.
 */
#ifndef SR_EDITOR_H
#define SR_EDITOR_H

#include <jansson.h>
#include <stdint.h>

#include "core/rally.h"
#include "store/db.h"

struct rally_form {
	const char *slug, *title, *description;
	int64_t starts_at, ends_at;
	const char *primary, *accent, *background; /* #rrggbb */
	const char *passcode;       /* NULL or "": keep; otherwise set (checked for length) */
	const char *passcode_hash;  /* its secret_hash, made before the write transaction (web/prove.c) */
	int clear_passcode;
};

struct spot_form {
	const char *name, *description, *category;
	int has_position;           /* latitude/longitude given */
	double latitude, longitude;
	int64_t radius_m, position;
	int open_from, open_until;  /* minutes after midnight JST, -1 for always open; -2: malformed */
	int repeat_mode;            /* enum repeat_mode; -1 when the form named none of them */
	int64_t repeat_hours;
};

/* Problems go into errors as {field: catalog key}. Return 0 when none. */
int rally_form_check(const struct rally_form *f, int creating, json_t *errors);
int spot_form_check(const struct spot_form *f, json_t *errors);
/* True for "#rrggbb". */
int colour_valid(const char *c);
/* WCAG 2 contrast ratio of two "#rrggbb" colours (1 … 21). */
double colour_contrast(const char *a, const char *b);
/* Parse "YYYY-MM-DDTHH:MM" as Japan time (the datetime-local inputs). */
int parse_jst_local(const char *s, int64_t *out);

/* Create a draft rally for the tenant; its id, 0 when the slug is taken, -1. */
int64_t rally_create(db *d, int64_t tenant_id, const struct rally_form *f, int64_t now);
/* Update a rally's texts, period, colours and passcode. 0 or -1. */
int rally_update(db *d, int64_t rally_id, const struct rally_form *f, int64_t now);
/* Whether status may go from `from` to `to`. */
int rally_transition_allowed(enum rally_status from, enum rally_status to);
int rally_set_status(db *d, int64_t rally_id, enum rally_status status, int64_t now);
/* True when the rally asks for a passcode; rally_passcode_hash is its hash
 * (arena string; "" when none) or NULL on error. */
int rally_has_passcode(db *d, int64_t rally_id);
const char *rally_passcode_hash(db *d, arena *a, int64_t rally_id);
/* The rally's theme colours into out[3][8] (primary, accent, background). */
int rally_theme(db *d, int64_t rally_id, char out[3][8]);
/* The image ids of a rally's cover / a spot's image and stamp (0: none). */
int64_t rally_cover_image(db *d, int64_t rally_id);
int rally_set_cover(db *d, int64_t rally_id, int64_t image_id, int64_t now);

/* Spots. spot_create returns the new id or -1. */
int64_t spot_create(db *d, int64_t rally_id, const struct spot_form *f, int64_t now);
int spot_update(db *d, int64_t spot_id, const struct spot_form *f, int64_t now);
/* Take a spot out of its rally at time at (hidden from participants, no new
 * stamps, its stamps kept), or with at 0 put it back. 0 or -1. */
int spot_set_disabled(db *d, int64_t spot_id, int64_t at);
/* Delete a spot nobody has stamped: 1 deleted, 0 it has stamps, -1 error. */
int spot_delete(db *d, int64_t spot_id);
/* A new QR token: the old poster stops working at once. 0 or -1. */
int spot_regenerate_qr(db *d, int64_t spot_id, int64_t now);
/* which: "image" or "stamp". */
int spot_set_image(db *d, int64_t spot_id, const char *which, int64_t image_id, int64_t now);
/* Extra spot fields for the editor and the participant pages. */
struct spot_extra {
	int has_position;
	double latitude, longitude;
	int64_t radius_m, image_id, stamp_image_id;
	const char *category;
};
int spot_extra_load(db *d, arena *a, int64_t spot_id, struct spot_extra *out);
/* Set the methods (a valid comma list), and the keyword (stored hashed) /
 * the PIN's secret_hash when given. 0 or -1. */
int spot_set_methods(db *d, int64_t spot_id, const char *methods, const char *keyword, const char *pin_hash);
/* Set the rally's desk PIN from its secret_hash (or, with "" / NULL, remove it). */
int rally_set_desk_pin(db *d, int64_t rally_id, const char *pin_hash);
/* "HH:MM" → minutes after midnight (24:00 allowed as an end); -1 for ""
 * or NULL; -2 when malformed. */
int parse_hhmm(const char *s, int end);
/* The rally's desk PIN hash (arena string; "" when none) or NULL on error. */
const char *rally_desk_pin_hash(db *d, arena *a, int64_t rally_id);
/* A staff PIN: 4 to 8 digits. */
int pin_valid(const char *pin);
/* A desk PIN: 6 to 8 digits (it redeems every coupon of the rally). */
int desk_pin_valid(const char *pin);

#endif
