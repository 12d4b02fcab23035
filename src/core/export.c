/*
 * export.c — see export.h.
 */
#include "core/export.h"

/* Participants who joined in an organizer's preview (0019) are test data:
 * never exported. */
db_stmt *export_rows(db *d, enum export_kind kind, int64_t id, int64_t draw_id)
{
	switch (kind) {
	case EXPORT_PARTICIPANTS:
		return db_query(d, "SELECT p.public_id, p.created_at,"
				   " (SELECT count(*) FROM stamps t WHERE t.participant_id = p.id), p.completed_at"
				   " FROM participants p WHERE p.rally_id = $1 AND p.preview = 0 ORDER BY p.id", "i", id);
	case EXPORT_STAMPS:
		return db_query(d, "SELECT t.created_at, p.public_id, s.name, t.method FROM stamps t"
				   " JOIN spots s ON s.id = t.spot_id JOIN participants p ON p.id = t.participant_id"
				   " WHERE s.rally_id = $1 AND p.preview = 0 ORDER BY t.created_at, t.id", "i", id);
	case EXPORT_REWARDS:
		return db_query(d, "SELECT w.code, t.name, p.public_id, w.earned_at, w.redeemed_at FROM rewards w"
				   " JOIN reward_tiers t ON t.id = w.tier_id JOIN participants p ON p.id = w.participant_id"
				   " WHERE t.rally_id = $1 AND p.preview = 0 ORDER BY w.id", "i", id);
	case EXPORT_ENTRIES:
		return db_query(d, "SELECT e.number, e.created_at, p.public_id, coalesce(e.won_rank, 0), e.sealed"
				   " FROM lottery_entries e JOIN participants p ON p.id = e.participant_id"
				   " WHERE e.tier_id = $1 AND p.preview = 0 ORDER BY e.number", "i", id);
	case EXPORT_WINNERS:
		return db_query(d, "SELECT e.number, e.created_at, p.public_id, e.won_rank, e.sealed"
				   " FROM lottery_entries e JOIN participants p ON p.id = e.participant_id"
				   " WHERE e.tier_id = $1 AND e.won_draw = $2 ORDER BY e.won_rank", "ii", id, draw_id);
	case EXPORT_AUDIT:
		break; /* audit_rows() takes filters */
	}
	return NULL;
}
