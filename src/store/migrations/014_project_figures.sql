-- 014 (issue 5): a project's progress and its equipment and software investment (yuan) beside
-- its name, site and class (012), so the dashboard lists an enterprise's projects from columns
-- without parsing each document. The names are cleared so that `svc_projects_backfill` fills
-- all five again from the documents (readers fall back to the document while name IS NULL).
ALTER TABLE projects ADD COLUMN progress_pct BIGINT;
ALTER TABLE projects ADD COLUMN investment BIGINT;
UPDATE projects SET name = NULL;
