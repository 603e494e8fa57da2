-- Wholesale users added, changed and removed one by one (Control Hub, the subscribers
-- API): the licence history billing reads is append-only, and each interval keeps whose
-- it was after the user is gone.

-- Who held the licence, kept beside the subscriber link (which is cleared when the user
-- is removed): billing reports name the user of every interval (SPEC §8).
ALTER TABLE license_assignments ADD COLUMN person_id uuid;
ALTER TABLE license_assignments ADD COLUMN email text;
UPDATE license_assignments la SET person_id = s.person_id, email = p.email
  FROM subscribers s JOIN people p ON p.id = s.person_id
 WHERE la.subscriber_id = s.id;

-- Append-only: a row is never deleted, and of a written row only the end may be set,
-- once; the links to a user, workspace or location may be cleared as they are removed.
CREATE FUNCTION license_assignments_append_only() RETURNS trigger
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
     OR (OLD.ended_at IS NOT NULL AND NEW.ended_at IS DISTINCT FROM OLD.ended_at)
     OR (NEW.subscriber_id IS DISTINCT FROM OLD.subscriber_id AND NEW.subscriber_id IS NOT NULL)
     OR (NEW.workspace_id IS DISTINCT FROM OLD.workspace_id AND NEW.workspace_id IS NOT NULL)
     OR (NEW.location_id IS DISTINCT FROM OLD.location_id AND NEW.location_id IS NOT NULL)
  THEN
    RAISE EXCEPTION 'licence history is append-only: only the end of % may be set, once', OLD.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER license_assignments_append_only
  BEFORE UPDATE OR DELETE ON license_assignments
  FOR EACH ROW EXECUTE FUNCTION license_assignments_append_only();

-- At most one open licence per user.
CREATE UNIQUE INDEX license_assignments_open_subscriber_idx
  ON license_assignments (subscriber_id) WHERE ended_at IS NULL AND subscriber_id IS NOT NULL;

-- The subscribers API lists a partner's users newest or oldest first, by creation or
-- by the last status change.
CREATE INDEX subscribers_status_change_idx ON subscribers (last_status_change, id);
