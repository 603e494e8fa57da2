-- A partner's branding (SPEC §12): colours for light and dark mode, a support address
-- and a logo, shown in the Control Hub of the customers it manages. `version` grows
-- with every change, so pages link the stylesheet and logo of the current one.
CREATE TABLE partner_branding (
    org_id          uuid PRIMARY KEY REFERENCES orgs (id),
    light_primary   text NOT NULL CHECK (light_primary ~ '^#[0-9a-f]{6}$'),
    light_accent    text NOT NULL CHECK (light_accent ~ '^#[0-9a-f]{6}$'),
    dark_primary    text NOT NULL CHECK (dark_primary ~ '^#[0-9a-f]{6}$'),
    dark_accent     text NOT NULL CHECK (dark_accent ~ '^#[0-9a-f]{6}$'),
    support_url     text CHECK (char_length(support_url) <= 500),
    logo            bytea CHECK (octet_length(logo) <= 262144),
    logo_type       text CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/svg+xml')),
    version         bigint NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL,
    CHECK ((logo IS NULL) = (logo_type IS NULL))
);
