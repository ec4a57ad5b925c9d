-- 004 (issue 5): what the application lists need to be answered from an index, in their order,
-- without parsing documents. Portable between SQLite and PostgreSQL as written.

-- The names an application was submitted with, copied from its snapshot when it is taken and
-- cleared with it, so a list of submitted applications reads three short columns instead of
-- parsing each snapshot. NULL while there is no snapshot (the live names apply). Rows submitted
-- before this migration have a snapshot but NULL here; the list reads their snapshot instead.
ALTER TABLE applications ADD COLUMN snap_enterprise_name TEXT;
ALTER TABLE applications ADD COLUMN snap_project_name TEXT;
ALTER TABLE applications ADD COLUMN snap_site_name TEXT;

-- An enterprise's own list and a district's queue, each in its display order (updated_at DESC,
-- id DESC) and covering every column a list item shows: an application row holds its form,
-- snapshot and findings (several KB), and in SQLite the columns after them (updated_at, the
-- names) lie on overflow pages, so reading rows cost more than the rest of a 150-row page.
-- The first replaces applications_enterprise, which is its prefix.
CREATE INDEX applications_enterprise_list ON applications(enterprise_id, updated_at, id, status,
  batch_id, district_code, project_id, type, submitted_at, uscc, snap_enterprise_name,
  snap_project_name, snap_site_name);
CREATE INDEX applications_district_list ON applications(district_code, updated_at, id, status,
  batch_id, enterprise_id, project_id, type, submitted_at, uscc, snap_enterprise_name,
  snap_project_name, snap_site_name);
-- The commission's list of everything, in the same order.
CREATE INDEX applications_recent ON applications(updated_at, id);
DROP INDEX applications_enterprise;
