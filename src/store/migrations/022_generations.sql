-- 022: one freshness rule. A generation counter per scope — an enterprise ('e', its id), a
-- district ('d', its code as a number), a batch ('b', its id) and everything ('g', 0) — is
-- counted up in the same transaction as every change (svc_gen_bump, called by svc_audit), and
-- anything a server keeps is keyed by the generations it read. The version queries that asked
-- each table for its count and newest entry go, and with them what existed only for them: the
-- district queue's version indexes, the withdrawal's entry number, the questionnaire draft's
-- revision, and the newest entry at the end of two indexes.
CREATE TABLE generations (
  scope TEXT NOT NULL,
  id BIGINT NOT NULL,
  gen BIGINT NOT NULL,
  PRIMARY KEY (scope, id)
);
DROP INDEX applications_district_version;
DROP INDEX applications_district_withdrawn;
ALTER TABLE applications DROP COLUMN withdrawn_seq;
ALTER TABLE assessment_drafts DROP COLUMN revision;
DROP INDEX applications_enterprise_list;
CREATE INDEX applications_enterprise_list ON applications(enterprise_id, updated_at, id, status,
  batch_id, district_code, project_id, type, submitted_at, uscc, snap_enterprise_name,
  snap_project_name, snap_site_name);
DROP INDEX projects_enterprise;
CREATE INDEX projects_enterprise ON projects(enterprise_id);
