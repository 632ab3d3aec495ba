-- The web console's dashboard (issue 17, storage/dashboard_repo.py): the period's response
-- times read from indexes alone. Each index holds the duration (wall-clock hours from filing,
-- counted in whole seconds, as the times are stored) as an expression; the dashboard's
-- statements carry the same expressions word for word, so SQLite takes the values from the
-- index instead of reading each appeal and parsing two timestamps (1M stored appeals, a
-- month's 43k first responses: 39 ms -> 7 ms).
CREATE INDEX appeals_response_hours ON appeals
    (first_response_at, institution_id, round((julianday(first_response_at) - julianday(created_at)) * 86400) / 3600)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX appeals_answer_hours ON appeals
    (answered_at, institution_id, round((julianday(answered_at) - julianday(created_at)) * 86400) / 3600,
     answered_at <= due_at)
    WHERE answered_at IS NOT NULL;
-- Unanswered FAQ questions of a period, counted by wording from the index alone.
CREATE INDEX faq_unanswered_period ON faq_unanswered (created_at, normalized);
