-- 011 (issue 5): a district never sees drafts, so its list index leaves them out. Every draft
-- save moves the saved row's entries in each index that holds updated_at; without the drafts
-- here, a save writes one index page less, and the district's index holds only what it lists.
-- The district's list and count (WHERE district_code = ? AND status <> 'draft') still use it.
DROP INDEX applications_district_list;
CREATE INDEX applications_district_list ON applications(district_code, updated_at, id, status,
  batch_id, enterprise_id, project_id, type, submitted_at, uscc, snap_enterprise_name,
  snap_project_name, snap_site_name) WHERE status <> 'draft';
