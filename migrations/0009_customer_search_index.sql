-- The customers list's search by name prefix, within one (sub-)partner, answered from
-- the index alone: the pattern operator class lets `lower(name) LIKE 'abc%'` use it, and
-- the included columns are all the list's page query needs (measured on 100,000
-- customers: 250 matches without reading the table).
CREATE INDEX orgs_onboarded_by_name_prefix_idx ON orgs (onboarded_by, lower(name) text_pattern_ops)
    INCLUDE (id, name, created_at, status) WHERE deleted_at IS NULL;
