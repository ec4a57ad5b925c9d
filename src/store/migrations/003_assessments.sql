-- 003: the 智能制造能力测评 (issue 3). Portable between SQLite and PostgreSQL: times are epoch
-- seconds (BIGINT), scores whole numbers × 10⁴, answers and results JSON documents as text.
-- An assessment keeps the model version it was answered on, so a new model never changes it.

CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  version TEXT NOT NULL,
  -- The set answered (discrete or process) and the district group at the time, for the peer
  -- averages of the report.
  manufacturing_type TEXT NOT NULL,
  grp TEXT NOT NULL DEFAULT '',
  score_e4 BIGINT NOT NULL,
  level BIGINT NOT NULL,
  answers TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_audit_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX assessments_enterprise ON assessments(enterprise_id, id);
CREATE INDEX assessments_peers ON assessments(grp, manufacturing_type, version);

-- One questionnaire in progress per enterprise, saved section by section.
CREATE TABLE assessment_drafts (
  enterprise_id BIGINT PRIMARY KEY REFERENCES enterprises(id),
  version TEXT NOT NULL,
  answers TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
