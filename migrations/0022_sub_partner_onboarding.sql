-- Sub-partner onboarding (SPEC §11): the parent's subscription a sub-partner shares,
-- when its state last changed, and one name per sub-partner among a parent's.
ALTER TABLE orgs ADD COLUMN shared_subscription_id text REFERENCES wholesale_subscriptions (id);
ALTER TABLE orgs ADD COLUMN state_changed_at timestamptz;

CREATE UNIQUE INDEX orgs_sub_partner_name_key ON orgs (parent_org_id, lower(name))
    WHERE kind = 'sub_partner' AND deleted_at IS NULL;
