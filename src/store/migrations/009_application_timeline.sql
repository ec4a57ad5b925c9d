-- 009 (issue 5): an application's timeline kept as it is shown — one row per entry, with a run
-- of saves by one person collapsed into one row (count, first and last time) as the save is
-- audited (svc_audit) — so reading the timeline, which every GET and every save answers with,
-- costs the number of entries, not the number of saves so far. The audit chain stays the record;
-- this table is derived from it (audit verify does not read it). seq is the audit entry that
-- opened the row (its detail holds the reason of a decision).
CREATE TABLE application_timeline (
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
);

-- The timelines of the applications audited so far, collapsed the same way: an entry starts a new
-- row unless it is a save following a save by the same person.
INSERT INTO application_timeline (application_id, seq, first_at, at, count, actor, action,
  from_state, to_state)
SELECT entity_id, min(seq), min(at), max(at), count(*), min(actor), min(action), min(from_state),
  min(to_state)
FROM (SELECT entity_id, seq, at, actor, action, from_state, to_state,
        sum(starts) OVER (PARTITION BY entity_id ORDER BY seq) AS run
      FROM (SELECT entity_id, seq, at, actor, action, from_state, to_state,
              CASE WHEN action = 'update'
                     AND lag(action) OVER (PARTITION BY entity_id ORDER BY seq) = 'update'
                     AND lag(actor) OVER (PARTITION BY entity_id ORDER BY seq) = actor
                   THEN 0 ELSE 1 END AS starts
            FROM audit WHERE entity = 'application') AS entries) AS runs
GROUP BY entity_id, run;

-- The wide covering index of 007 served only the timeline; what is left (an entity's entries in
-- order: the audit list's filter, a certificate's history) needs the narrow one.
DROP INDEX IF EXISTS audit_timeline;
CREATE INDEX audit_entity_seq ON audit(entity, entity_id, seq);
