-- Attaching wholesale to an organisation that existed before (SPEC §4.5).
--
-- An existing org is a customer row nobody onboarded (`onboarded_by IS NULL`, no
-- status). What decides whether its admin must consent is on the row already (0001:
-- `is_trial`, `verified_domain`, `claimed_domain`) or counted (its people); what decides
-- the rights an automatic attach gives is the org's own subscriptions, kept here.
CREATE TABLE org_licences (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    name        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'suspended', 'cancelled')),
    created_at  timestamptz NOT NULL
);
CREATE INDEX org_licences_org_idx ON org_licences (org_id);

-- The rights the managing partner's admins hold in an attached org: a full admin's,
-- or a provisioning admin's limited view (only the users it provisioned). NULL for an
-- org the partner created, where its admins have a full admin's rights.
ALTER TABLE orgs ADD COLUMN partner_rights text
    CHECK (partner_rights IN ('full_admin', 'provisioning_admin'));

-- A consent request (0001) remembers who asked and who answered, may be withdrawn by
-- the partner before an answer, and one org has at most one request waiting per partner.
ALTER TABLE consent_requests DROP CONSTRAINT consent_requests_status_check;
ALTER TABLE consent_requests ADD CONSTRAINT consent_requests_status_check
    CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn'));
ALTER TABLE consent_requests ADD COLUMN requested_by uuid REFERENCES people (id);
ALTER TABLE consent_requests ADD COLUMN decided_by uuid REFERENCES people (id);
-- A template deleted while a request waits leaves the request unanswerable, not the
-- template undeletable.
ALTER TABLE consent_requests ADD COLUMN template_id uuid REFERENCES onboarding_templates (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX consent_requests_pending_key ON consent_requests (customer_org_id, partner_org_id)
    WHERE status = 'pending';
CREATE INDEX consent_requests_partner_idx ON consent_requests (partner_org_id, created_at DESC);
