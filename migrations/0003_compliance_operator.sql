-- The operator of this installation reviews restricted-party matches (SPEC §4.3): a
-- reviewer neither the partner nor the customer, so neither approves itself.
ALTER TABLE orgs DROP CONSTRAINT orgs_kind_check;
ALTER TABLE orgs ADD CONSTRAINT orgs_kind_check CHECK (kind IN ('partner', 'sub_partner', 'customer', 'operator'));
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_role_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check
    CHECK (role IN ('partner_full_admin', 'partner_readonly_admin', 'wholesale_admin', 'customer_full_admin',
                    'customer_readonly_admin', 'provisioning_admin', 'compliance_operator'));
-- Failed attempts to reach the partner about a match, with who recorded them.
CREATE TABLE compliance_contacts (
    id          bigserial PRIMARY KEY,
    check_id    uuid NOT NULL REFERENCES compliance_checks (id),
    recorded_by uuid REFERENCES people (id),
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL
);
