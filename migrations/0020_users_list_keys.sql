-- The users list's order as stored columns. An index on expressions (migration 0019)
-- cannot answer an index-only scan, so a deep page (offset 4,950 of a 5,000-user org)
-- either read 4,950 rows from the table or sorted all 5,000 by lower() (11 ms); on
-- stored keys the page's people come from the index alone. The index leads with org_id,
-- so the plain org index is dropped: with it, a plan made for any org (the list's
-- statement is prepared once) could pick it and sort.
ALTER TABLE people
    ADD COLUMN sort_last text GENERATED ALWAYS AS (lower(last_name)) STORED,
    ADD COLUMN sort_first text GENERATED ALWAYS AS (lower(first_name)) STORED;
DROP INDEX people_org_name_idx;
-- A page's names come from the index too: the list reads no person's row.
CREATE INDEX people_org_name_idx ON people (org_id, sort_last, sort_first, email, id)
    INCLUDE (first_name, last_name);
DROP INDEX people_org_idx;
