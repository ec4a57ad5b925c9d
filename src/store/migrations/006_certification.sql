-- 006: the review side's second half (issue 4): 公示 periods, objections (异议), certificates
-- (认定/授牌) and what happens to them afterwards (re-review, revocation, rename/restructure,
-- priority recommendation). Portable between SQLite and PostgreSQL: times are epoch seconds
-- (BIGINT), lists JSON text. Every change is also an audit entry (on the application, the
-- objection or the certificate); a certificate's public history is read from those entries.

-- One 公示 per application: the period [starts_at, ends_at) during which objections are taken.
CREATE TABLE publicity (
  id INTEGER PRIMARY KEY,
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  application_id BIGINT NOT NULL REFERENCES applications(id),
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES accounts(id),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX publicity_app ON publicity(application_id);
CREATE INDEX publicity_batch ON publicity(batch_id, starts_at);

-- Real-name objections from the public; `client` is the address the rate limit counted.
CREATE TABLE objections (
  id INTEGER PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  name TEXT NOT NULL,
  contact TEXT NOT NULL,
  content TEXT NOT NULL,
  client TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
  reason TEXT,
  resolved_by BIGINT REFERENCES accounts(id),
  resolved_at BIGINT,
  created_at BIGINT NOT NULL,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX objections_app ON objections(application_id, status);
CREATE INDEX objections_batch ON objections(batch_id, id);

-- A certificate per certified application. The number's sequence is per year and type and
-- held by the unique index, so two servers certifying at once cannot share a number.
-- enterprise_name and uscc are what the certificate says now (an approved rename changes
-- them; the old ones stay in the audit trail and the public history).
CREATE TABLE certificates (
  id INTEGER PRIMARY KEY,
  certificate_no TEXT NOT NULL UNIQUE,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  year BIGINT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('workshop', 'factory')),
  seq BIGINT NOT NULL,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  district_code TEXT NOT NULL,
  enterprise_name TEXT NOT NULL,
  uscc TEXT NOT NULL,
  project_name TEXT NOT NULL,
  site_name TEXT NOT NULL DEFAULT '',
  project_class TEXT NOT NULL DEFAULT '',
  document_no TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
  revoked_reason TEXT,
  candidate_for TEXT NOT NULL DEFAULT '[]',
  issued_at BIGINT NOT NULL,
  revoked_at BIGINT,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX certificates_app ON certificates(application_id);
CREATE UNIQUE INDEX certificates_seq ON certificates(year, type, seq);
CREATE INDEX certificates_enterprise ON certificates(enterprise_id);

-- The enterprise's own request to revoke (三(二)); the commission then revokes.
CREATE TABLE revocation_requests (
  id INTEGER PRIMARY KEY,
  certificate_id BIGINT NOT NULL REFERENCES certificates(id),
  note TEXT NOT NULL,
  requested_by BIGINT NOT NULL REFERENCES accounts(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX revocation_requests_cert ON revocation_requests(certificate_id);

-- Rename / restructure (三(三)): pending_district → pending_commission → approved, or rejected
-- at either step.
CREATE TABLE certificate_adjustments (
  id INTEGER PRIMARY KEY,
  certificate_id BIGINT NOT NULL REFERENCES certificates(id),
  kind TEXT NOT NULL CHECK (kind IN ('rename', 'restructure')),
  old_name TEXT NOT NULL,
  old_uscc TEXT NOT NULL,
  new_name TEXT NOT NULL,
  new_uscc TEXT,
  evidence_attachment_id BIGINT NOT NULL REFERENCES attachments(id),
  district_code TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending_district', 'pending_commission', 'approved',
                                         'rejected')),
  requested_by BIGINT NOT NULL REFERENCES accounts(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX certificate_adjustments_cert ON certificate_adjustments(certificate_id);
CREATE INDEX certificate_adjustments_evidence ON certificate_adjustments(evidence_attachment_id);
