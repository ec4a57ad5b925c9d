-- 018 (issue 5): three tables rebuilt so that each is one b-tree fewer. A draft save wrote nine
-- pages to the WAL, two of them only the automatic indexes SQLite builds for a primary key that
-- is not its rowid; and every authenticated request looked its session up through such an index
-- before reading the row. audit's seq becomes the rowid itself (INTEGER PRIMARY KEY; a 64-bit
-- identity on PostgreSQL, whose values smip always gives); sessions and application_timeline
-- are stored in their primary key's order (WITHOUT ROWID, a SQLite word db_pg.c drops).
CREATE TABLE audit_new (
  seq INTEGER PRIMARY KEY,
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
INSERT INTO audit_new (seq, at, actor_id, actor, entity, entity_id, action, from_state, to_state,
  detail, prev_hash, hash)
SELECT seq, at, actor_id, actor, entity, entity_id, action, from_state, to_state, detail,
  prev_hash, hash FROM audit ORDER BY seq;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_entity_seq ON audit(entity, entity_id, seq);

CREATE TABLE sessions_new (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO sessions_new (token_hash, account_id, csrf_token, created_at, last_seen)
SELECT token_hash, account_id, csrf_token, created_at, last_seen FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE application_timeline_new (
  application_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  first_at BIGINT NOT NULL,
  at BIGINT NOT NULL,
  count BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  PRIMARY KEY (application_id, seq)
) WITHOUT ROWID;
INSERT INTO application_timeline_new (application_id, seq, first_at, at, count, actor, action,
  from_state, to_state)
SELECT application_id, seq, first_at, at, count, actor, action, from_state, to_state
FROM application_timeline;
DROP TABLE application_timeline;
ALTER TABLE application_timeline_new RENAME TO application_timeline;
