-- 023: the commission's desk lists the submitted applications newest first, 20 at a time, under
-- its inbox, which counts applications by status. The first index holds the submitted ones in
-- the desk's order, so a page of the desk reads its 20 entries instead of sorting every
-- submitted application on each request (svc_desk_list, its default order); the second
-- answers a count by status from the index instead of reading every application's row. An
-- application's save that keeps its status leaves both untouched. The third lists the experts
-- (the desk's choice for the bulk assignment) without reading every account.
CREATE INDEX applications_desk ON applications(coalesce(submitted_at, 0) DESC, id DESC)
  WHERE status <> 'draft';
CREATE INDEX applications_status ON applications(status);
CREATE INDEX accounts_role ON accounts(role, id);
