-- 001: the foundation. Portable between SQLite and PostgreSQL: times are epoch seconds
-- (BIGINT), dates ISO text, booleans SMALLINT, decimals inside JSON documents as strings.

CREATE TABLE districts (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  grp TEXT NOT NULL,
  sort BIGINT NOT NULL
);

CREATE TABLE holidays (
  day TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
  name TEXT NOT NULL
);

CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  year BIGINT NOT NULL,
  name TEXT NOT NULL,
  notice_no TEXT NOT NULL,
  opens_at BIGINT NOT NULL,
  closes_at BIGINT NOT NULL,
  district_deadline BIGINT NOT NULL,
  contacts TEXT NOT NULL,
  rules TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE enterprises (
  id INTEGER PRIMARY KEY,
  uscc TEXT UNIQUE,
  name TEXT NOT NULL,
  district_code TEXT REFERENCES districts(code),
  profile TEXT NOT NULL,
  legacy SMALLINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('enterprise', 'district', 'expert', 'commission', 'admin')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'disabled')),
  display_name TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  enterprise_name TEXT,
  uscc TEXT,
  district_code TEXT REFERENCES districts(code),
  employer_uscc TEXT,
  reason TEXT,
  imp_connected SMALLINT NOT NULL DEFAULT 0,
  enterprise_id BIGINT REFERENCES enterprises(id),
  imp_bound SMALLINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  decided_at BIGINT,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
-- One account takes over one enterprise at most (bind or confirm).
CREATE UNIQUE INDEX accounts_enterprise ON accounts(enterprise_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_scope ON login_failures(scope, at);

CREATE TABLE legacy_accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  uscc TEXT,
  enterprise_name TEXT NOT NULL,
  district_code TEXT,
  bound_account_id BIGINT UNIQUE REFERENCES accounts(id),
  enterprise_id BIGINT REFERENCES enterprises(id),
  imported_at BIGINT NOT NULL
);

CREATE TABLE legacy_certificates (
  id INTEGER PRIMARY KEY,
  certificate_no TEXT NOT NULL UNIQUE,
  year BIGINT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('workshop', 'factory')),
  uscc TEXT NOT NULL,
  enterprise_name TEXT NOT NULL,
  site_name TEXT NOT NULL,
  included_workshops TEXT NOT NULL DEFAULT '',
  imported_at BIGINT NOT NULL
);
CREATE INDEX legacy_certificates_uscc ON legacy_certificates(uscc);

CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  uploader_id BIGINT NOT NULL REFERENCES accounts(id),
  enterprise_id BIGINT REFERENCES enterprises(id),
  kind TEXT NOT NULL DEFAULT '',
  media_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX attachments_enterprise ON attachments(enterprise_id);

-- Files live in the database in 256 KiB chunks, so no 20 MB value is ever held whole.
CREATE TABLE attachment_chunks (
  attachment_id BIGINT NOT NULL REFERENCES attachments(id),
  seq BIGINT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (attachment_id, seq)
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  doc TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX projects_enterprise ON projects(enterprise_id);

CREATE TABLE applications (
  id INTEGER PRIMARY KEY,
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  project_id BIGINT NOT NULL REFERENCES projects(id),
  uscc TEXT NOT NULL,
  district_code TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('workshop', 'factory')),
  status TEXT NOT NULL,
  form TEXT NOT NULL,
  snapshot TEXT,
  findings TEXT,
  submitted_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX applications_enterprise ON applications(enterprise_id);
CREATE INDEX applications_district ON applications(district_code, status);
CREATE INDEX applications_batch ON applications(batch_id, status);
-- Rule E4 held by the database: one application past `draft` per USCC per batch.
CREATE UNIQUE INDEX applications_e4 ON applications(batch_id, uscc) WHERE status <> 'draft';

-- The audit trail: append-only, each entry's hash an HMAC over the previous hash and the entry.
CREATE TABLE audit (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor_id BIGINT,
  actor TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
