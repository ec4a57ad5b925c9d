-- 024: the commission's inbox counts the applications in a state across every batch and
-- district (service/inbox.c); without an index on the state alone each count read the table.
CREATE INDEX applications_status ON applications(status);
