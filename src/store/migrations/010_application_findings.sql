-- 010 (issue 5): an application's last pre-check findings (~4 KB of JSON) live beside it, not in
-- its row. SQLite rewrites a whole record, overflow pages included, whenever one column of it
-- changes, so while the findings sat in the row every draft save and every state change wrote
-- them again. A save now rewrites the form and the row's small columns only.
CREATE TABLE application_findings (
  application_id BIGINT PRIMARY KEY REFERENCES applications(id),
  findings TEXT NOT NULL
);
INSERT INTO application_findings (application_id, findings)
  SELECT id, findings FROM applications WHERE findings IS NOT NULL;
ALTER TABLE applications DROP COLUMN findings;
