-- Bounded storage (issue 15), as migration 0020 on SQLite: appeals_answered is the leading
-- part of appeals_answer_hours under the same condition; appeals_first_response and
-- appeals_response_hours become one index (the columns the durations are computed from, as
-- the baseline has them). The full-text search is the GIN index appeals_fts here, unchanged.
DROP INDEX appeals_answered;
DROP INDEX appeals_first_response;
DROP INDEX appeals_response_hours;
CREATE INDEX appeals_response_hours ON appeals
    (first_response_at, institution_id, first_response_due, created_at)
    WHERE first_response_at IS NOT NULL;
