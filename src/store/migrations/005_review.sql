-- 005: the review side (issue 4, first half): district review, expert accounts' conflicts,
-- assignments, expert reviews and the commission's decisions. Portable between SQLite and
-- PostgreSQL: times are epoch seconds (BIGINT), scores whole points, criteria a JSON document.
-- Every state change is also an audit entry on the application; these rows are what the
-- services query (who is assigned, who has reviewed, which file backs a decision).

-- A conflict of interest an expert declares: it may not review an applicant with this USCC.
CREATE TABLE expert_conflicts (
  id INTEGER PRIMARY KEY,
  expert_id BIGINT NOT NULL REFERENCES accounts(id),
  uscc TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX expert_conflicts_uscc ON expert_conflicts(expert_id, uscc);

CREATE TABLE assignments (
  id INTEGER PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  expert_id BIGINT NOT NULL REFERENCES accounts(id),
  assigned_by BIGINT NOT NULL REFERENCES accounts(id),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX assignments_pair ON assignments(application_id, expert_id);
CREATE INDEX assignments_expert ON assignments(expert_id);

-- One review per expert per application (the index holds it when two requests race).
CREATE TABLE expert_reviews (
  id INTEGER PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  expert_id BIGINT NOT NULL REFERENCES accounts(id),
  criteria TEXT NOT NULL,
  score BIGINT NOT NULL,
  recommend TEXT NOT NULL CHECK (recommend IN ('pass', 'fail')),
  opinion TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX expert_reviews_pair ON expert_reviews(application_id, expert_id);

-- Decisions with a reason: the district's (approve/return/reject, with the 真实性审核意见 scan
-- when approving), the commission's after the experts (pass/fail), and the direct route of
-- national special projects and pilots (with its evidence). A returned application that comes
-- back gets a second district row; the latest one counts.
CREATE TABLE review_decisions (
  id INTEGER PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  stage TEXT NOT NULL CHECK (stage IN ('district', 'commission', 'direct')),
  decision TEXT NOT NULL,
  opinion TEXT NOT NULL,
  attachment_id BIGINT REFERENCES attachments(id),
  programme TEXT,
  actor_id BIGINT NOT NULL REFERENCES accounts(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX review_decisions_app ON review_decisions(application_id, stage);
CREATE INDEX review_decisions_attachment ON review_decisions(attachment_id);
