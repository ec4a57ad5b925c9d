-- 012 (issue 5): a project's name, site and class beside its document, written with it, so an
-- application's answer and the lists name the project without parsing the document each time.
-- NULL for rows written before this migration until `svc_projects_backfill` (run when a
-- server or `smip init` opens the database) fills them; readers fall back to the document.
ALTER TABLE projects ADD COLUMN name TEXT;
ALTER TABLE projects ADD COLUMN site_name TEXT;
ALTER TABLE projects ADD COLUMN class TEXT;
