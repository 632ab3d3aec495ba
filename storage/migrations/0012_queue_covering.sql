-- The queue's indexes carry every column the digests' counts read (issue 15): the morning
-- digest's per-institution figures and the handoff's whole-queue figures are counted from
-- the index alone, not by a table lookup per queued appeal (35 ms for the handoff's count at
-- 1M stored appeals, 30k of them queued; 12.6 ms from the index). Only queued appeals are in
-- them (the condition is storage/appeals_repo.py's QUEUE word for word), so they stay small.
DROP INDEX appeals_queue_open;
DROP INDEX appeals_queue_open_inst;
CREATE INDEX appeals_queue_open
    ON appeals (due_at, first_response_due, first_response_at, status, undelivered_at)
    WHERE status IN ('new', 'in_progress') OR (status = 'answered' AND undelivered_at IS NOT NULL);
CREATE INDEX appeals_queue_open_inst
    ON appeals (institution_id, due_at, first_response_due, first_response_at, status, undelivered_at)
    WHERE status IN ('new', 'in_progress') OR (status = 'answered' AND undelivered_at IS NOT NULL);
