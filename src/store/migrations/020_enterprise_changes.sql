-- 020: an enterprise's request to change its reviewing district or its credit code (USCC).
-- Once set, both change only by such a request: the old and the new district approve a
-- district change (either order), the current district a USCC-only change, the admin's
-- approval alone is final, and any party's rejection ends it. The profile and the drafts'
-- copies move in the approval's transaction. to_district / to_uscc are NULL when unchanged.
-- Times are epoch seconds (BIGINT), as everywhere.
CREATE TABLE enterprise_changes (
  id INTEGER PRIMARY KEY,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  requested_by BIGINT NOT NULL REFERENCES accounts(id),
  from_district TEXT REFERENCES districts(code),
  to_district TEXT REFERENCES districts(code),
  from_uscc TEXT,
  to_uscc TEXT,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
  from_approved_by BIGINT REFERENCES accounts(id),
  from_approved_at BIGINT,
  to_approved_by BIGINT REFERENCES accounts(id),
  to_approved_at BIGINT,
  decided_by BIGINT REFERENCES accounts(id),
  decided_at BIGINT,
  opinion TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
-- The enterprise's own list (newest first) and the reviewers' lists by either district.
CREATE INDEX enterprise_changes_enterprise ON enterprise_changes(enterprise_id, id);
CREATE INDEX enterprise_changes_from ON enterprise_changes(from_district, status);
CREATE INDEX enterprise_changes_to ON enterprise_changes(to_district, status);
-- At most one pending request per enterprise, even when two servers race.
CREATE UNIQUE INDEX enterprise_changes_pending ON enterprise_changes(enterprise_id)
  WHERE status = 'pending';
