-- Billing reconciliation (SPEC §8): what each licence interval is billed to, kept on
-- the interval itself, and reports generated into chunks of CSV.

-- The links of an interval to its user, workspace and location are cleared when those
-- are removed, and a customer's partner changes when it is detached and attached again;
-- a report of a past period must still name them. So each interval keeps, from the
-- moment it is written, the ids it was held under and the partner it is billed to.
ALTER TABLE license_assignments
    ADD COLUMN held_subscriber_id uuid,
    ADD COLUMN held_workspace_id uuid,
    ADD COLUMN held_location_id uuid,
    ADD COLUMN billed_partner_org_id uuid REFERENCES orgs (id);

UPDATE license_assignments la
   SET held_subscriber_id = la.subscriber_id,
       held_workspace_id = la.workspace_id,
       held_location_id = la.location_id,
       billed_partner_org_id = o.onboarded_by
  FROM orgs o
 WHERE o.id = la.customer_org_id;

CREATE FUNCTION license_assignments_hold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.held_subscriber_id := coalesce(NEW.held_subscriber_id, NEW.subscriber_id);
  NEW.held_workspace_id := coalesce(NEW.held_workspace_id, NEW.workspace_id);
  NEW.held_location_id := coalesce(NEW.held_location_id, NEW.location_id);
  IF NEW.billed_partner_org_id IS NULL THEN
    SELECT onboarded_by INTO NEW.billed_partner_org_id FROM orgs WHERE id = NEW.customer_org_id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER license_assignments_hold
  BEFORE INSERT ON license_assignments
  FOR EACH ROW EXECUTE FUNCTION license_assignments_hold();

-- The append-only rule now covers the kept ids as well: they are written once.
CREATE OR REPLACE FUNCTION license_assignments_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'licence history is append-only: % cannot be deleted', OLD.id;
  END IF;
  IF NEW.id <> OLD.id
     OR NEW.customer_org_id <> OLD.customer_org_id
     OR NEW.package <> OLD.package
     OR NEW.license_id IS DISTINCT FROM OLD.license_id
     OR NEW.started_at <> OLD.started_at
     OR NEW.person_id IS DISTINCT FROM OLD.person_id
     OR NEW.email IS DISTINCT FROM OLD.email
     OR NEW.held_subscriber_id IS DISTINCT FROM OLD.held_subscriber_id
     OR NEW.held_workspace_id IS DISTINCT FROM OLD.held_workspace_id
     OR NEW.held_location_id IS DISTINCT FROM OLD.held_location_id
     OR NEW.billed_partner_org_id IS DISTINCT FROM OLD.billed_partner_org_id
     OR (OLD.ended_at IS NOT NULL AND NEW.ended_at IS DISTINCT FROM OLD.ended_at)
     OR (NEW.subscriber_id IS DISTINCT FROM OLD.subscriber_id AND NEW.subscriber_id IS NOT NULL)
     OR (NEW.workspace_id IS DISTINCT FROM OLD.workspace_id AND NEW.workspace_id IS NOT NULL)
     OR (NEW.location_id IS DISTINCT FROM OLD.location_id AND NEW.location_id IS NOT NULL)
  THEN
    RAISE EXCEPTION 'licence history is append-only: only the end of % may be set, once', OLD.id;
  END IF;
  RETURN NEW;
END $$;

-- A report reads the intervals of one partner that overlap its period.
CREATE INDEX license_assignments_billed_idx
    ON license_assignments (billed_partner_org_id, customer_org_id, started_at);

-- Reports. The CSV lives in chunks (written as generated, read as streamed), not in
-- one column; the daily series per package feeds the page's chart.
ALTER TABLE billing_reports
    DROP COLUMN csv,
    DROP COLUMN download_token,
    DROP COLUMN download_expires_at,
    ADD COLUMN daily jsonb,
    ADD COLUMN row_count integer,
    ADD COLUMN completed_at timestamptz,
    -- Signs the report's download links (HMAC): a link names its expiry and carries the
    -- signature, so a GET mints one without writing, and deleting the report revokes all.
    -- (32 random bytes the application writes with the report).
    ADD COLUMN download_key bytea;

CREATE TABLE billing_report_chunks (
    report_id uuid NOT NULL REFERENCES billing_reports (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (report_id, seq)
);
-- Stored as written: compressing a megabyte of CSV per row cost more than it saved.
ALTER TABLE billing_report_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- One live report per partner, subject, period and type: a second request for the same
-- one is a 409 unless the first failed or is still being generated (then it replaces it).
CREATE UNIQUE INDEX billing_reports_period_key
    ON billing_reports (partner_org_id, coalesce(sub_partner_org_id, partner_org_id), start_date, end_date, type)
    WHERE deleted_at IS NULL;
