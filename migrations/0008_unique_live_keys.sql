-- A live customer's administrator email is unique, and so is its external id within the
-- (sub-)partner that onboarded it. The indexes enforce what the services check, so
-- concurrent creations no longer queue behind one lock per partner to stay unique.
DROP INDEX orgs_primary_email_idx;
CREATE UNIQUE INDEX orgs_primary_email_live_key ON orgs (primary_email)
    WHERE deleted_at IS NULL AND primary_email IS NOT NULL;
DROP INDEX orgs_onboarded_by_external_idx;
CREATE UNIQUE INDEX orgs_external_id_live_key ON orgs (onboarded_by, external_id)
    WHERE deleted_at IS NULL AND external_id IS NOT NULL;
