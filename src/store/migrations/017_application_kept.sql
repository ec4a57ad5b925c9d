-- 017 (issue 5): GET /applications/{id} is kept by a version (svc_app_version). Every change of
-- an application is audited except the storing of its last check's findings; their row now
-- counts its revisions, so a new check shows on the next read.
ALTER TABLE application_findings ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
