-- 008 (issue 5): the current batch is looked up on every page; this index answers both of its
-- queries (open now, else the latest) in their order and covers the columns they read, so the
-- lookup needs no sorter.
CREATE INDEX batches_current ON batches(opens_at, id, district_deadline, last_audit_seq);
