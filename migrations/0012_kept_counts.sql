-- Per-row counts that lists show, kept by triggers instead of counted on every view:
-- the customers list's users per customer (a count over subscribers, 25 per page), and
-- the templates list's customers per template (a count over every customer onboarded
-- with it, 100,000 for a busy template).

-- Subscribers per customer org. One row per org: users are added to one org at a time.
CREATE TABLE subscriber_counts (
    org_id uuid PRIMARY KEY,
    n bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION count_subscribers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.customer_org_id = NEW.customer_org_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE subscriber_counts SET n = n - 1 WHERE org_id = OLD.customer_org_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO subscriber_counts AS c (org_id, n) VALUES (NEW.customer_org_id, 1)
        ON CONFLICT (org_id) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER subscribers_count
    AFTER INSERT OR DELETE OR UPDATE OF customer_org_id ON subscribers
    FOR EACH ROW EXECUTE FUNCTION count_subscribers();

INSERT INTO subscriber_counts (org_id, n)
SELECT customer_org_id, count(*) FROM subscribers GROUP BY 1;

-- Live customers per onboarding template, in 16 shards by customer id (as
-- customer_counts), so concurrent creations with one template rarely wait on one row.
CREATE TABLE template_use_counts (
    template_id uuid NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (template_id, shard)
);

CREATE FUNCTION count_template_use() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.template_id IS NOT NULL AND OLD.deleted_at IS NULL;
    is_now boolean := TG_OP <> 'DELETE' AND NEW.template_id IS NOT NULL AND NEW.deleted_at IS NULL;
    s smallint;
BEGIN
    IF was AND is_now AND OLD.template_id = NEW.template_id THEN
        RETURN NULL;
    END IF;
    s := (hashtext(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END::text) & 15)::smallint;
    IF was THEN
        UPDATE template_use_counts SET n = n - 1 WHERE template_id = OLD.template_id AND shard = s;
    END IF;
    IF is_now THEN
        INSERT INTO template_use_counts AS c (template_id, shard, n) VALUES (NEW.template_id, s, 1)
        ON CONFLICT (template_id, shard) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER orgs_count_template_use
    AFTER INSERT OR DELETE OR UPDATE OF template_id, deleted_at ON orgs
    FOR EACH ROW EXECUTE FUNCTION count_template_use();

INSERT INTO template_use_counts (template_id, shard, n)
SELECT template_id, (hashtext(id::text) & 15)::smallint, count(*)
FROM orgs WHERE template_id IS NOT NULL AND deleted_at IS NULL
GROUP BY 1, 2;
