-- Live customers per (sub-)partner and status, kept by a trigger on `orgs`, so the
-- customers list's total and the overview's counts are a few rows' sum instead of a
-- count over every customer (29 ms at 100,000 customers, on every page view).
--
-- A customer is counted under (onboarded_by, status) while it is live (`deleted_at IS
-- NULL`). Each (partner, status) is split into 16 shards chosen by the customer's id, so
-- concurrent provisioning jobs of one partner rarely wait for each other's row lock; a
-- status change moves one count between two rows of the same shard in one UPDATE, which
-- locks them in index order, so two transitions cannot deadlock on them.
CREATE TABLE customer_counts (
    partner_org_id uuid NOT NULL,
    status text NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (partner_org_id, status, shard)
);

CREATE FUNCTION count_customers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.onboarded_by IS NOT NULL AND OLD.deleted_at IS NULL;
    is_now boolean := TG_OP <> 'DELETE' AND NEW.onboarded_by IS NOT NULL AND NEW.deleted_at IS NULL;
    old_status text := CASE WHEN TG_OP <> 'INSERT' THEN coalesce(OLD.status, '') END;
    new_status text := CASE WHEN TG_OP <> 'DELETE' THEN coalesce(NEW.status, '') END;
    s smallint;
BEGIN
    IF was AND is_now AND OLD.onboarded_by = NEW.onboarded_by AND old_status = new_status THEN
        RETURN NULL;
    END IF;
    IF NOT was AND NOT is_now THEN
        RETURN NULL;
    END IF;
    s := (hashtext(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END::text) & 15)::smallint;
    IF is_now THEN
        INSERT INTO customer_counts (partner_org_id, status, shard) VALUES (NEW.onboarded_by, new_status, s)
        ON CONFLICT DO NOTHING;
    END IF;
    IF was AND is_now AND OLD.onboarded_by = NEW.onboarded_by THEN
        UPDATE customer_counts SET n = n + CASE WHEN status = new_status THEN 1 ELSE -1 END
        WHERE partner_org_id = NEW.onboarded_by AND status IN (old_status, new_status) AND shard = s;
    ELSE
        IF was THEN
            UPDATE customer_counts SET n = n - 1
            WHERE partner_org_id = OLD.onboarded_by AND status = old_status AND shard = s;
        END IF;
        IF is_now THEN
            UPDATE customer_counts SET n = n + 1
            WHERE partner_org_id = NEW.onboarded_by AND status = new_status AND shard = s;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER orgs_count_customers
    AFTER INSERT OR DELETE OR UPDATE OF onboarded_by, status, deleted_at ON orgs
    FOR EACH ROW EXECUTE FUNCTION count_customers();

INSERT INTO customer_counts (partner_org_id, status, shard, n)
SELECT onboarded_by, coalesce(status, ''), (hashtext(id::text) & 15)::smallint, count(*)
FROM orgs WHERE onboarded_by IS NOT NULL AND deleted_at IS NULL
GROUP BY 1, 2, 3;
