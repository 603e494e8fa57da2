-- The person a session is signed in as, beside its encoded data, so that reading a
-- session also reads who it belongs to and their roles in the same statement
-- (`store::sessions`). NULL for anonymous sessions and for sessions written before this
-- column: their next save fills it, and until then the actor is read on its own.
ALTER TABLE tower_sessions.session ADD COLUMN person_id uuid;
