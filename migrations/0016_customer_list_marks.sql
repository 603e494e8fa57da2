-- Marks in a long customers list: the id of every 1,000th customer in one order (and
-- status filter), with the total they were read at. A jump to page 3,000 then starts at
-- the mark before it and walks at most 1,000 index entries, instead of 25,000 from the
-- nearer end (measured on 100,000 customers: the jump's statement went from ~650 to
-- several thousand per second in pgbench). Marks are only believed while the kept total
-- (migration 0007) is still theirs and they are under a minute old; otherwise the jump
-- reads from the nearer end and the marks are made again in the background. Shared by
-- every instance, like the list itself.
CREATE TABLE customer_list_marks (
    partner_org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    -- The order and the status filter the marks are for (`store::customer_list::marks_key`).
    list_key text NOT NULL,
    total bigint NOT NULL,
    computed_at timestamptz NOT NULL,
    -- ids[1] is the list's first customer, ids[2] its 1,001st, and so on.
    ids uuid[] NOT NULL,
    PRIMARY KEY (partner_org_id, list_key)
);
