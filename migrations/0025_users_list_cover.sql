-- The Control Hub users list reads each page person's package and status (50 per page):
-- with them in the index, the page's subscriber look-ups are index-only probes instead
-- of one heap fetch per person (SPEC §5: the list stays fast at 5,000 users).
CREATE INDEX subscribers_person_cover_idx ON subscribers (person_id) INCLUDE (package, status);
