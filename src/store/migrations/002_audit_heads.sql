-- 002: every audited table records the number of its rows' last audit entry, so that
-- `audit verify` notices a removed tail of the chain whichever entity it concerned.
ALTER TABLE enterprises ADD COLUMN last_audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN last_audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN last_audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN last_audit_seq BIGINT NOT NULL DEFAULT 0;
