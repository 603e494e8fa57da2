-- Control Hub's users CSV (SPEC §5): what an import previewed, row by row, and how
-- applying it went. Each row is applied in its own transaction together with its
-- status, so an import whose worker died resumes at the first row not done, and never
-- adds anyone twice.

-- What the CSV carries beside the package, so that an export imports back unchanged.
ALTER TABLE subscribers ADD COLUMN basic_services text[] NOT NULL DEFAULT '{}';
ALTER TABLE subscribers ADD COLUMN preferred_site text;
ALTER TABLE subscribers ADD COLUMN jabber_calling boolean NOT NULL DEFAULT true;
ALTER TABLE subscribers ADD COLUMN jabber_teams boolean NOT NULL DEFAULT true;

CREATE TABLE user_imports (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES orgs (id),
    created_by          uuid NOT NULL REFERENCES people (id),
    -- Who acts (the partner, when a partner admin imports in a customer's Control Hub).
    acting_for_org_id   uuid NOT NULL REFERENCES orgs (id),
    file_name           text NOT NULL,
    add_remove_services boolean NOT NULL,
    status              text NOT NULL DEFAULT 'previewed'
                        CHECK (status IN ('previewed', 'applying', 'done')),
    rows_total          integer NOT NULL,
    adds                integer NOT NULL,
    modifies            integer NOT NULL,
    deletes             integer NOT NULL,
    errors              integer NOT NULL,
    warnings            integer NOT NULL,
    created_at          timestamptz NOT NULL,
    finished_at         timestamptz
);
CREATE INDEX user_imports_org_idx ON user_imports (org_id, created_at DESC);

CREATE TABLE user_import_rows (
    import_id   uuid NOT NULL REFERENCES user_imports (id) ON DELETE CASCADE,
    line        integer NOT NULL,
    email       text NOT NULL,
    -- add, modify, delete; none for a row that changes nothing or cannot be applied.
    action      text NOT NULL CHECK (action IN ('add', 'modify', 'delete', 'none')),
    data        jsonb NOT NULL,
    errors      jsonb NOT NULL DEFAULT '[]',
    warnings    jsonb NOT NULL DEFAULT '[]',
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    result      text,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX user_import_rows_pending_idx ON user_import_rows (import_id, line) WHERE state = 'pending';
