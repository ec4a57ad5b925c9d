-- 007: an application's timeline (every read and every save answers with it) straight from an
-- index in its order: reading the audit rows themselves, one per earlier save, made a save's cost
-- grow with the saves before it. Only entries that can carry a reason read their row's detail.
-- It replaces audit_entity, which is its prefix. (Kept apart from 004, which had already been
-- committed: a migration never changes once a database may have applied it. IF [NOT] EXISTS:
-- databases built while this index briefly sat in 004 have it already.)
CREATE INDEX IF NOT EXISTS audit_timeline ON audit(entity, entity_id, seq, action, actor, at, from_state,
  to_state);
DROP INDEX IF EXISTS audit_entity;
