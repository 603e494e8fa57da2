-- The audit page's action filter lists the actions among the entries its reader may see.
-- A DISTINCT over those entries reads every entry of every customer (100,000 per
-- partner), so the list is kept instead: one row per (org, action) it may see, written as
-- entries and relationships are added, read with one index scan.
--
-- Who may see an entry mirrors `store::audit::list`: the org it was done for, the org it
-- aimed at, and the managers of either.
CREATE TABLE audit_actions_seen (
    viewer_org_id   uuid NOT NULL,
    action          text NOT NULL,
    PRIMARY KEY (viewer_org_id, action)
);

CREATE FUNCTION audit_actions_seen_by_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_actions_seen (viewer_org_id, action)
    SELECT v.org_id, NEW.action
    FROM (SELECT NEW.acting_for_org_id AS org_id
          UNION SELECT NEW.target_org_id
          UNION SELECT r.manager_org_id FROM org_relationships r
                WHERE r.managed_org_id IN (NEW.acting_for_org_id, NEW.target_org_id)) v
    WHERE v.org_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_actions_seen_entry AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_actions_seen_by_entry();

-- A new manager (an existing org attached, a sub-partner's customer reaching the parent)
-- sees the entries already written about the org it now manages.
CREATE FUNCTION audit_actions_seen_by_relationship() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_actions_seen (viewer_org_id, action)
    SELECT NEW.manager_org_id, s.action FROM audit_actions_seen s
    WHERE s.viewer_org_id = NEW.managed_org_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_actions_seen_relationship AFTER INSERT ON org_relationships
    FOR EACH ROW EXECUTE FUNCTION audit_actions_seen_by_relationship();

-- The entries written before this migration (read once, here).
INSERT INTO audit_actions_seen (viewer_org_id, action)
SELECT v.org_id, v.action
FROM (SELECT acting_for_org_id AS org_id, action FROM audit_log
      UNION SELECT target_org_id, action FROM audit_log
      UNION SELECT r.manager_org_id, a.action FROM audit_log a
            JOIN org_relationships r ON r.managed_org_id IN (a.acting_for_org_id, a.target_org_id)) v
WHERE v.org_id IS NOT NULL
ON CONFLICT DO NOTHING;
