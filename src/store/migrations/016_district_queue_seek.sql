-- 016 (issue 5): the district queue's version (013) counted the district's non-draft
-- applications, ~60 ns a row at every request, and through the table: the partial index lacked
-- `status`, which its own condition needs. The count was there only to notice a withdrawal,
-- the one way out of the queue; a withdrawal now records its audit entry in withdrawn_seq, so
-- the version is three seeks to the end of an index range: the newest entry among the
-- non-draft, the newest withdrawal, the newest batch entry (svc_district_queue_version).
DROP INDEX applications_district_version;
CREATE INDEX applications_district_version ON applications(district_code, last_audit_seq, status)
  WHERE status <> 'draft';
ALTER TABLE applications ADD COLUMN withdrawn_seq BIGINT;
CREATE INDEX applications_district_withdrawn ON applications(district_code, withdrawn_seq)
  WHERE withdrawn_seq IS NOT NULL;
