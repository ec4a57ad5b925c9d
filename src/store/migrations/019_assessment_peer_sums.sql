-- 019: the assessment report's peer averages from running sums. A report showed the average of
-- the latest assessment of every other enterprise of its district group, manufacturing type and
-- model version by reading and parsing each of them: at 100,000 enterprises ~23,000 results, 2 s
-- a view on a server thread. One row per (group, type, version, part): part '' is the total
-- score, any other part a domain id; n the enterprises counted (each by its latest assessment),
-- sum_e4 their scores (×10,000). svc_asm_create keeps them in the assessment's own transaction;
-- a database that already has assessments is filled once by svc_asm_peers_backfill (the domain
-- scores are inside each result's JSON), which runs at start while `built` is 0.
CREATE TABLE assessment_peer_sums (
  grp TEXT NOT NULL,
  manufacturing_type TEXT NOT NULL,
  version TEXT NOT NULL,
  part TEXT NOT NULL,
  n BIGINT NOT NULL,
  sum_e4 BIGINT NOT NULL,
  PRIMARY KEY (grp, manufacturing_type, version, part)
);
CREATE TABLE assessment_peer_state (
  id INTEGER PRIMARY KEY,
  built BIGINT NOT NULL
);
INSERT INTO assessment_peer_state (id, built)
  SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM assessments) THEN 0 ELSE 1 END;
