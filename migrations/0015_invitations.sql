-- A new customer's first administrator is invited by email (SPEC §4.2, §5): the link
-- lets them choose a password once, then they sign in to their Control Hub. Only the
-- SHA-256 of the link's secret is kept; a link is single-use and expires.
CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at > created_at),
    used_at     timestamptz
);
CREATE INDEX invitations_person_idx ON invitations (person_id);

-- A secret an email's body carries (an invitation's link). Once the email is delivered
-- over SMTP it is taken out of the stored body, so the mailbox page does not keep a
-- working link to someone else's account. (Without SMTP the mailbox page is how the
-- email is read, so it stays.)
ALTER TABLE email_outbox ADD COLUMN secret text;
