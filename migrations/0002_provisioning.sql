-- Customer provisioning (SPEC §4.1–§4.2): what the asynchronous job needs to finish a
-- customer, what it records, and what the customer keeps from its template at creation.

ALTER TABLE orgs
    ADD COLUMN primary_email          citext,
    -- The template's PSTN vendor as it was at creation: changing the template later
    -- does not update existing customers (SPEC §3 step 3).
    ADD COLUMN pstn_vendor            text,
    ADD COLUMN meeting_site_language  text,
    ADD COLUMN meetings_timezone      text,
    ADD COLUMN call_in_country        char(2),
    ADD COLUMN call_in_number         text,
    -- The request the provisioning job completes (location, admin, limits).
    ADD COLUMN provisioning_request   jsonb,
    ADD COLUMN errors                 jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN provisioned_at         timestamptz;

-- The (sub-)partner that onboarded a customer, denormalised from org_relationships so
-- that the customers list of a partner with 100,000 customers is an index scan.
ALTER TABLE orgs ADD COLUMN onboarded_by uuid REFERENCES orgs (id);
UPDATE orgs o SET onboarded_by = r.manager_org_id
  FROM org_relationships r WHERE r.managed_org_id = o.id AND r.relation = 'onboarded';
CREATE INDEX orgs_onboarded_by_name_idx ON orgs (onboarded_by, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX orgs_onboarded_by_status_idx ON orgs (onboarded_by, status, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX orgs_onboarded_by_external_idx ON orgs (onboarded_by, external_id) WHERE deleted_at IS NULL;
