-- The whole domain of the product (SPEC §1–§12). Later work fills in behaviour;
-- the shape is settled here so it needs no rework.

CREATE EXTENSION IF NOT EXISTS citext;

-- ── Organisations and who manages whom (SPEC §1) ─────────────────────────────
CREATE TABLE orgs (
    id                      uuid PRIMARY KEY,
    kind                    text NOT NULL CHECK (kind IN ('partner', 'sub_partner', 'customer')),
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- A sub-partner has exactly one parent partner; nobody else has a parent.
    parent_org_id           uuid REFERENCES orgs (id),
    external_id             text,
    -- Customer lifecycle (SPEC §9.1) and sub-partner provisioning state (SPEC §11).
    status                  text CHECK (status IN ('provisioning', 'provisioned', 'provisioned_with_errors',
                                                   'updating', 'deleting', 'error', 'pending_rpl_review')),
    provisioning_state      text CHECK (provisioning_state IN ('pending', 'active', 'suspended')),
    address_line1           text CHECK (length(address_line1) <= 50),
    address_line2           text CHECK (length(address_line2) <= 50),
    city                    text,
    state_or_province       text,
    zip_or_postal_code      text,
    country                 char(2),
    language                text,
    timezone                text,
    sip_domain              text UNIQUE,
    template_id             uuid,
    -- SPEC §7: on by default for new customers, off for attached orgs.
    restricted_by_partner   boolean NOT NULL DEFAULT true,
    restrict_org_settings   boolean NOT NULL DEFAULT false,
    package_quantity_enabled boolean NOT NULL DEFAULT false,
    billing_start_date      date,
    compliance_status       text NOT NULL DEFAULT 'not_checked'
                            CHECK (compliance_status IN ('not_checked', 'pending', 'compliant', 'pending_review',
                                                         'non_compliant', 'approved', 'rejected')),
    -- Facts about existing orgs that decide attach consent (SPEC §4.5).
    is_trial                boolean NOT NULL DEFAULT false,
    verified_domain         text,
    claimed_domain          text,
    attached                boolean NOT NULL DEFAULT false,
    has_flex_subscription   boolean NOT NULL DEFAULT false,
    -- Partner settings (SPEC §4.2).
    enable_wholesale_delayed_billing boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CHECK ((kind = 'sub_partner') = (parent_org_id IS NOT NULL)),
    CHECK (kind = 'customer' OR status IS NULL)
);
CREATE INDEX orgs_kind_idx ON orgs (kind);
CREATE INDEX orgs_parent_idx ON orgs (parent_org_id) WHERE parent_org_id IS NOT NULL;
CREATE INDEX orgs_external_id_idx ON orgs (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX orgs_lower_name_idx ON orgs (lower(name) text_pattern_ops);

-- "Managed by" rows (SPEC §1): partner → sub-partner, onboarding (sub-)partner →
-- customer, and parent partner → its sub-partner's customers.
CREATE TABLE org_relationships (
    manager_org_id  uuid NOT NULL REFERENCES orgs (id),
    managed_org_id  uuid NOT NULL REFERENCES orgs (id),
    relation        text NOT NULL CHECK (relation IN ('parent_of_sub_partner', 'onboarded', 'parent_of_sub_partner_customer')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (manager_org_id, managed_org_id),
    CHECK (manager_org_id <> managed_org_id)
);
CREATE INDEX org_relationships_managed_idx ON org_relationships (managed_org_id);

CREATE TABLE wholesale_subscriptions (
    id              text PRIMARY KEY,
    partner_org_id  uuid NOT NULL REFERENCES orgs (id),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wholesale_subscriptions_partner_idx ON wholesale_subscriptions (partner_org_id);

-- Per-partner ceiling for a package quantity (SPEC §4.1; default 10,000).
CREATE TABLE partner_package_limits (
    partner_org_id  uuid NOT NULL REFERENCES orgs (id),
    package         text NOT NULL,
    max_quantity    integer NOT NULL DEFAULT 10000 CHECK (max_quantity > 0),
    PRIMARY KEY (partner_org_id, package)
);

-- ── People: admins and users share one identity per email (SPEC §5) ──────────
CREATE TABLE people (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id),
    email           citext NOT NULL UNIQUE,
    first_name      text NOT NULL DEFAULT '',
    last_name       text NOT NULL DEFAULT '',
    display_name    text,
    -- NULL for people who only sign in through single sign-on.
    password_hash   text,
    disabled        boolean NOT NULL DEFAULT false,
    is_external     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_org_idx ON people (org_id);

CREATE TABLE role_assignments (
    person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    role        text NOT NULL CHECK (role IN ('partner_full_admin', 'partner_readonly_admin', 'wholesale_admin',
                                              'customer_full_admin', 'customer_readonly_admin', 'provisioning_admin')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, org_id, role)
);
CREATE INDEX role_assignments_org_idx ON role_assignments (org_id);

-- ── Customer structure (SPEC §2, §5) ─────────────────────────────────────────
CREATE TABLE locations (
    id                      uuid PRIMARY KEY,
    org_id                  uuid NOT NULL REFERENCES orgs (id),
    name                    text NOT NULL,
    address_line1           text NOT NULL CHECK (length(address_line1) <= 50),
    address_line2           text CHECK (length(address_line2) <= 50),
    city                    text NOT NULL,
    state_or_province       text,
    zip_or_postal_code      text,
    country                 char(2) NOT NULL,
    timezone                text NOT NULL,
    language                text NOT NULL,
    emergency_location_identifier text,
    international_calling   boolean NOT NULL DEFAULT true,
    premium_calling         boolean NOT NULL DEFAULT true,
    is_headquarters         boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);
CREATE INDEX locations_org_idx ON locations (org_id);

CREATE TABLE customer_packages (
    org_id      uuid NOT NULL REFERENCES orgs (id),
    package     text NOT NULL,
    -- NULL means unlimited; SPEC §4.1 forbids mixing, enforced by the service.
    quantity    integer CHECK (quantity > 0),
    status      text NOT NULL DEFAULT 'provisioning' CHECK (status IN ('provisioning', 'provisioned', 'deleting', 'error')),
    warnings    jsonb NOT NULL DEFAULT '[]',
    errors      jsonb NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, package)
);

CREATE TABLE subscribers (
    id                  uuid PRIMARY KEY,
    person_id           uuid NOT NULL UNIQUE REFERENCES people (id) ON DELETE CASCADE,
    customer_org_id     uuid NOT NULL REFERENCES orgs (id),
    package             text NOT NULL,
    status              text NOT NULL DEFAULT 'provisioning'
                        CHECK (status IN ('provisioning', 'provisioned', 'updating', 'deleting', 'error', 'suspended')),
    location_id         uuid REFERENCES locations (id),
    primary_phone_number text,
    extension           text,
    errors              jsonb NOT NULL DEFAULT '[]',
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_status_change  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscribers_customer_idx ON subscribers (customer_org_id);
CREATE INDEX subscribers_created_idx ON subscribers (created_at, id);

CREATE TABLE workspaces (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id),
    location_id     uuid NOT NULL REFERENCES locations (id),
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('lobby', 'door', 'meeting_room', 'other')),
    package         text NOT NULL DEFAULT 'common_area_calling' CHECK (package = 'common_area_calling'),
    phone_number    text,
    extension       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (phone_number IS NOT NULL OR extension IS NOT NULL)
);
CREATE INDEX workspaces_org_idx ON workspaces (org_id);

-- Licence history for billing (SPEC §8): one row per assignment interval.
CREATE TABLE license_assignments (
    id              uuid PRIMARY KEY,
    customer_org_id uuid NOT NULL REFERENCES orgs (id),
    subscriber_id   uuid REFERENCES subscribers (id) ON DELETE SET NULL,
    workspace_id    uuid REFERENCES workspaces (id) ON DELETE SET NULL,
    location_id     uuid REFERENCES locations (id) ON DELETE SET NULL,
    package         text NOT NULL,
    license_id      text,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX license_assignments_customer_idx ON license_assignments (customer_org_id, started_at);

-- ── Onboarding templates (SPEC §3) ───────────────────────────────────────────
CREATE TABLE onboarding_templates (
    id                      uuid PRIMARY KEY,
    owner_org_id            uuid NOT NULL REFERENCES orgs (id),
    name                    text NOT NULL,
    provisioning_id         text NOT NULL UNIQUE,
    offer_wholesale         boolean NOT NULL DEFAULT true,
    offer_broadworks        boolean NOT NULL DEFAULT false,
    sp_admin_person_id      uuid REFERENCES people (id),
    country                 char(2) NOT NULL,
    language                text NOT NULL,
    subscription_id         text NOT NULL REFERENCES wholesale_subscriptions (id),
    pstn_vendor             text,
    auth_mode               text NOT NULL DEFAULT 'webex' CHECK (auth_mode IN ('webex', 'saml', 'oidc')),
    saml_entity_id          text,
    oidc_idp_name           text,
    email_brand_name        text NOT NULL,
    allow_admin_invite_emails boolean NOT NULL DEFAULT false,
    allow_webex_to_webex    boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX onboarding_templates_name_key ON onboarding_templates (owner_org_id, lower(name));
ALTER TABLE orgs ADD CONSTRAINT orgs_template_fk FOREIGN KEY (template_id) REFERENCES onboarding_templates (id);
-- Auth mode of an org as onboarded: a template change never alters it (SPEC §10).
ALTER TABLE orgs ADD COLUMN auth_mode text NOT NULL DEFAULT 'webex' CHECK (auth_mode IN ('webex', 'saml', 'oidc'));
ALTER TABLE orgs ADD COLUMN idp_id uuid;

-- ── Identity providers and SSO (SPEC §10) ────────────────────────────────────
CREATE TABLE identity_providers (
    id                      uuid PRIMARY KEY,
    partner_org_id          uuid NOT NULL REFERENCES orgs (id),
    kind                    text NOT NULL CHECK (kind IN ('saml', 'oidc')),
    name                    text NOT NULL,
    saml_entity_id          text,
    saml_sso_url            text,
    saml_signing_certificate text,
    pass_email_in_request   boolean NOT NULL DEFAULT false,
    allow_idp_initiated     boolean NOT NULL DEFAULT false,
    oidc_client_id          text,
    oidc_client_secret_enc  bytea,
    oidc_scopes             text,
    oidc_authorization_endpoint text,
    oidc_token_endpoint     text,
    oidc_discovery_endpoint text,
    oidc_userinfo_endpoint  text,
    oidc_jwks_endpoint      text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'saml' OR (saml_entity_id IS NOT NULL AND saml_signing_certificate IS NOT NULL))
);
CREATE UNIQUE INDEX identity_providers_name_key ON identity_providers (lower(name));
ALTER TABLE orgs ADD CONSTRAINT orgs_idp_fk FOREIGN KEY (idp_id) REFERENCES identity_providers (id);

-- Server-side, single-use, short-lived SSO transactions (DESIGN "Security decisions").
CREATE TABLE sso_transactions (
    id              text PRIMARY KEY,
    idp_id          uuid NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    saml_request_id text UNIQUE,
    oidc_state      text UNIQUE,
    oidc_nonce      text,
    pkce_verifier   text,
    login_hint      text,
    return_to       text,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    consumed_at     timestamptz
);
CREATE TABLE saml_consumed_assertions (
    assertion_id    text PRIMARY KEY,
    expires_at      timestamptz NOT NULL
);

-- ── Sessions (the tower-sessions Postgres store's own table) ─────────────────
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX session_expiry_idx ON tower_sessions.session (expiry_date);

-- Sign-in attempts, for the per-account and per-IP rate limit.
CREATE TABLE login_attempts (
    id          bigserial PRIMARY KEY,
    email       citext NOT NULL,
    ip          text NOT NULL,
    succeeded   boolean NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at) WHERE NOT succeeded;
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at) WHERE NOT succeeded;

-- ── Background jobs (DESIGN convention 7) ────────────────────────────────────
CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL,
    org_id          uuid REFERENCES orgs (id),
    payload         jsonb NOT NULL DEFAULT '{}',
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_at          timestamptz NOT NULL,
    locked_until    timestamptz,
    locked_by       text,
    last_error      text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    finished_at     timestamptz
);
CREATE INDEX jobs_ready_idx ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_org_idx ON jobs (org_id, created_at DESC);

-- ── Audit log: append-only ───────────────────────────────────────────────────
CREATE TABLE audit_log (
    id                  bigserial PRIMARY KEY,
    at                  timestamptz NOT NULL,
    actor_person_id     uuid,
    actor_email         text,
    acting_for_org_id   uuid,
    target_org_id       uuid,
    action              text NOT NULL,
    outcome             text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    detail              jsonb NOT NULL DEFAULT '{}',
    request_id          text,
    ip                  text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_acting_for_idx ON audit_log (acting_for_org_id, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_org_id, at DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- ── API tokens (SPEC §9): stored as SHA-256 of the secret ───────────────────
CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY,
    person_id       uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name            text NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    prefix          text NOT NULL,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_person_idx ON api_tokens (person_id);

-- ── Billing reports (SPEC §8) ────────────────────────────────────────────────
CREATE TABLE billing_reports (
    id                  uuid PRIMARY KEY,
    partner_org_id      uuid NOT NULL REFERENCES orgs (id),
    sub_partner_org_id  uuid REFERENCES orgs (id),
    start_date          date NOT NULL,
    end_date            date NOT NULL CHECK (end_date >= start_date),
    type                text NOT NULL CHECK (type IN ('PARTNER', 'CUSTOMER', 'USER')),
    status              text NOT NULL DEFAULT 'IN_PROGRESS' CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED')),
    progress            smallint NOT NULL DEFAULT 0,
    created_by          uuid REFERENCES people (id),
    created_at          timestamptz NOT NULL,
    csv                 text,
    errors              jsonb NOT NULL DEFAULT '[]',
    download_token      text UNIQUE,
    download_expires_at timestamptz,
    deleted_at          timestamptz
);
CREATE INDEX billing_reports_partner_idx ON billing_reports (partner_org_id, created_at DESC);

-- ── Compliance (SPEC §4.3) ───────────────────────────────────────────────────
CREATE TABLE restricted_parties (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL,
    normalized_name text NOT NULL,
    country         char(2),
    source          text NOT NULL DEFAULT 'sample'
);
CREATE INDEX restricted_parties_normalized_idx ON restricted_parties (normalized_name);

CREATE TABLE compliance_checks (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES orgs (id),
    trigger             text NOT NULL CHECK (trigger IN ('creation', 'address_change')),
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'compliant', 'pending_review', 'non_compliant', 'approved', 'rejected')),
    matched_party_id    bigint REFERENCES restricted_parties (id),
    contact_attempts    integer NOT NULL DEFAULT 0,
    deadline_at         timestamptz,
    created_at          timestamptz NOT NULL,
    resolved_at         timestamptz,
    resolved_by         uuid REFERENCES people (id)
);
CREATE INDEX compliance_checks_org_idx ON compliance_checks (org_id, created_at DESC);

-- ── Attach consent (SPEC §4.5), setup assist (SPEC §4.6), emails (SPEC §13) ───
CREATE TABLE consent_requests (
    id              uuid PRIMARY KEY,
    customer_org_id uuid NOT NULL REFERENCES orgs (id),
    partner_org_id  uuid NOT NULL REFERENCES orgs (id),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    request         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    decided_at      timestamptz
);

CREATE TABLE setup_assist_requests (
    id                  uuid PRIMARY KEY,
    partner_org_id      uuid NOT NULL REFERENCES orgs (id),
    customer_org_id     uuid NOT NULL REFERENCES orgs (id),
    location_id         uuid NOT NULL REFERENCES locations (id),
    subscription_id     text NOT NULL,
    total_locations     integer NOT NULL,
    seats               integer NOT NULL,
    sku                 text NOT NULL CHECK (sku IN ('EXPRESS', 'STANDARD')),
    planned_onboarding_date date NOT NULL,
    created_by          uuid REFERENCES people (id),
    created_at          timestamptz NOT NULL
);

CREATE TABLE email_outbox (
    id          uuid PRIMARY KEY,
    org_id      uuid REFERENCES orgs (id),
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    kind        text NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    last_error  text
);

-- ── Branding (SPEC §12) ──────────────────────────────────────────────────────
CREATE TABLE branding (
    org_id              uuid PRIMARY KEY REFERENCES orgs (id),
    logo                bytea,
    logo_content_type   text,
    light_primary       text,
    light_background    text,
    dark_primary        text,
    dark_background     text,
    support_url         text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
