-- Partner single sign-on (SPEC §10, DESIGN "Security decisions").

-- A SAML IdP trusts up to two signing certificates at once, so it can roll its key over
-- without an outage; the metadata it was read from is kept to show and to re-read.
ALTER TABLE identity_providers
    ADD COLUMN saml_metadata text,
    ADD COLUMN saml_certificates text[] NOT NULL DEFAULT '{}',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE identity_providers SET saml_certificates = ARRAY[saml_signing_certificate]
 WHERE saml_signing_certificate IS NOT NULL;
ALTER TABLE identity_providers DROP CONSTRAINT identity_providers_check;
ALTER TABLE identity_providers DROP COLUMN saml_signing_certificate;
-- samael skips the signature check of a response when it knows no certificate: an IdP
-- without one is never stored.
ALTER TABLE identity_providers ADD CONSTRAINT identity_providers_saml_complete CHECK (
    kind <> 'saml' OR (saml_entity_id IS NOT NULL AND saml_sso_url IS NOT NULL
                       AND cardinality(saml_certificates) BETWEEN 1 AND 2));
ALTER TABLE identity_providers ADD CONSTRAINT identity_providers_oidc_complete CHECK (
    kind <> 'oidc' OR (oidc_client_id IS NOT NULL AND oidc_client_secret_enc IS NOT NULL
                       AND oidc_scopes IS NOT NULL
                       AND (oidc_discovery_endpoint IS NOT NULL
                            OR (oidc_authorization_endpoint IS NOT NULL AND oidc_token_endpoint IS NOT NULL))));
-- One SAML IdP per partner: the partner's SP (entity id, ACS) is per partner.
CREATE UNIQUE INDEX identity_providers_one_saml ON identity_providers (partner_org_id) WHERE kind = 'saml';
CREATE INDEX identity_providers_partner_idx ON identity_providers (partner_org_id);

-- What a customer's template named as its IdP when the customer was created (an entity
-- id or an OIDC IdP name), so an IdP configured later still serves exactly the orgs that
-- were meant for it and a later template change moves nobody (SPEC §10).
ALTER TABLE orgs ADD COLUMN idp_ref text;
-- A partner's own admins sign in through this IdP when set; the break-glass admin keeps
-- the password for when the IdP is down.
ALTER TABLE orgs ADD COLUMN admin_idp_id uuid REFERENCES identity_providers (id) ON DELETE SET NULL;
ALTER TABLE orgs ADD COLUMN break_glass_person_id uuid REFERENCES people (id) ON DELETE SET NULL;
ALTER TABLE orgs DROP CONSTRAINT orgs_idp_fk;
ALTER TABLE orgs ADD CONSTRAINT orgs_idp_fk FOREIGN KEY (idp_id) REFERENCES identity_providers (id) ON DELETE SET NULL;
CREATE INDEX orgs_idp_idx ON orgs (idp_id) WHERE idp_id IS NOT NULL;

-- A transaction is either a sign-in or an admin's test of the IdP (which makes no
-- session and keeps its report here for the settings page to show once).
ALTER TABLE sso_transactions
    ADD COLUMN purpose text NOT NULL DEFAULT 'sign_in' CHECK (purpose IN ('sign_in', 'test')),
    ADD COLUMN tested_by uuid REFERENCES people (id) ON DELETE CASCADE,
    ADD COLUMN report jsonb;
CREATE INDEX sso_transactions_expiry_idx ON sso_transactions (expires_at);
CREATE INDEX saml_consumed_assertions_expiry_idx ON saml_consumed_assertions (expires_at);

-- An unknown key id makes the app fetch an IdP's keys again, at most once a minute.
ALTER TABLE identity_providers ADD COLUMN jwks_fetched_at timestamptz;

-- Explicit OIDC endpoints need the issuer the id token must name (discovery tells it).
ALTER TABLE identity_providers ADD COLUMN oidc_issuer text;

-- The browser an OIDC sign-in started in (a hash of its session id): the answer is
-- taken only in that browser, so nobody can hand a victim a sign-in of their own.
ALTER TABLE sso_transactions ADD COLUMN browser text;
