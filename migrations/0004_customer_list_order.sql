-- The customers list sorted by creation time, as an index scan.
CREATE INDEX orgs_onboarded_by_created_idx ON orgs (onboarded_by, created_at, id) WHERE deleted_at IS NULL;
