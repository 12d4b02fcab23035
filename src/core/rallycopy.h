/*
 * rallycopy.h — a rally's whole life in the editor: duplicating one as a
 * new draft, deleting a draft nobody has joined, and clearing the test data
 * of organizers' previews.
 */
#ifndef SR_RALLYCOPY_H
#define SR_RALLYCOPY_H

#include <stdint.h>

#include "store/db.h"

/* Copy rally_id as a draft called slug/title in the same tenant: its texts,
 * period, theme, cover, join policy and passcode; its spots in use with new
 * public ids and QR tokens (methods, keywords, PINs, hours, images kept; a
 * new desk-screen secret on first use); its reward tiers with new ids (a
 * lottery's deadline back to the rally's end). Not copied: participants and
 * everything of theirs, the desk PIN, disabled spots. Returns the new
 * rally's id, 0 when the slug is taken, -1 on error. */
int64_t rally_duplicate(db *d, int64_t rally_id, const char *slug, const char *title, int64_t now);

/* Delete a draft rally with no participants, with its spots, tiers and
 * counters (images stay: they belong to the tenant). 1 deleted, 0 refused
 * (not a draft, or someone joined), -1 on error. */
int rally_delete_draft(db *d, int64_t rally_id);

/* Delete the participants who joined rally_id in an organizer's preview
 * (0019) with their stamps, rewards and lottery entries; first-come stock
 * they took goes back. The number deleted, or -1. */
int64_t rally_preview_clear(db *d, int64_t rally_id);
/* How many preview participants the rally has. */
int64_t rally_preview_count(db *d, int64_t rally_id);

#endif
