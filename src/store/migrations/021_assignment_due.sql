-- 021: when an expert's score is due. The commission sets it when assigning (by default the
-- end of the tenth working day after the assignment); the expert's desk and the application
-- page show it with the time left, and the commission's pages flag an overdue assignment.
-- Epoch seconds; NULL for assignments made before due dates existed.
ALTER TABLE assignments ADD COLUMN due_at BIGINT;
