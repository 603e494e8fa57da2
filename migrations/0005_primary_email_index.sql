-- The "email already promised to a customer being provisioned" check of every create.
CREATE INDEX orgs_primary_email_idx ON orgs (primary_email) WHERE deleted_at IS NULL AND primary_email IS NOT NULL;
