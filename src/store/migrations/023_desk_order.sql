-- 023: the commission's desk lists the submitted applications newest first (svc_desk_list); an
-- index in that order, of the rows past draft only, gives a page without sorting the table.
CREATE INDEX applications_desk ON applications(submitted_at, id) WHERE status <> 'draft';
