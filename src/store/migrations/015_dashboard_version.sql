-- 015 (issue 5): what an enterprise's dashboard shows is kept while its version stands
-- (svc_enterprise_version), read on every request from indexes alone. The enterprise's list
-- index gains last_audit_seq as its last column (a save rewrites that entry anyway, since
-- updated_at moves), the projects' gains it too, and the questionnaire draft, which is not
-- audited, counts its saves in a column placed before its answers (a column after a long text
-- is read through the text's overflow pages in SQLite), hence the table is rebuilt.
DROP INDEX applications_enterprise_list;
CREATE INDEX applications_enterprise_list ON applications(enterprise_id, updated_at, id, status,
  batch_id, district_code, project_id, type, submitted_at, uscc, snap_enterprise_name,
  snap_project_name, snap_site_name, last_audit_seq);
DROP INDEX projects_enterprise;
CREATE INDEX projects_enterprise ON projects(enterprise_id, last_audit_seq);
CREATE TABLE assessment_drafts_015 (
  enterprise_id BIGINT PRIMARY KEY REFERENCES enterprises(id),
  version TEXT NOT NULL,
  revision BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  answers TEXT NOT NULL
);
INSERT INTO assessment_drafts_015 (enterprise_id, version, revision, updated_at, answers)
  SELECT enterprise_id, version, 0, updated_at, answers FROM assessment_drafts;
DROP TABLE assessment_drafts;
ALTER TABLE assessment_drafts_015 RENAME TO assessment_drafts;
