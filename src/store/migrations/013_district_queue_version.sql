-- 013 (issue 5): the version of a district's queue — how many applications it lists and the
-- newest audit entry among them (svc_district_queue_version) — read from a narrow index of its
-- own, so a queue page can reuse the rows it rendered while that version stands. Drafts are
-- left out as in applications_district_list: their saves touch no page of it.
CREATE INDEX applications_district_version ON applications(district_code, last_audit_seq)
  WHERE status <> 'draft';
