-- Control Hub's users list of a large org: a page read in its order straight from an
-- index (last name, first name, email, any case), and the org's number of people kept
-- by trigger, so page 1 of a 5,000-user org neither sorts nor counts 5,000 people.
CREATE INDEX people_org_name_idx ON people (org_id, lower(last_name), lower(first_name), email, id);

CREATE TABLE people_counts (
    org_id uuid PRIMARY KEY,
    n bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION count_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.org_id = NEW.org_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE people_counts SET n = n - 1 WHERE org_id = OLD.org_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO people_counts AS c (org_id, n) VALUES (NEW.org_id, 1)
        ON CONFLICT (org_id) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER people_count
    AFTER INSERT OR DELETE OR UPDATE OF org_id ON people
    FOR EACH ROW EXECUTE FUNCTION count_people();

INSERT INTO people_counts (org_id, n) SELECT org_id, count(*) FROM people GROUP BY 1;

-- The users list's search (any part of a name or email, any case) through trigrams, as
-- the customers list's (migration 0014): the org is checked on the people found.
CREATE INDEX people_search_idx ON people
    USING gin ((lower(first_name || ' ' || last_name || ' ' || email::text)) gin_trgm_ops);
