-- Routing (issue 18): what the bot suggested from the appeal's text, what the citizen had
-- chosen, and whether they took the suggestion; repeats: near-identical appeals of the
-- same citizen linked to this open one as additions instead of new appeals.
ALTER TABLE appeals ADD COLUMN suggested_institution_id TEXT;
ALTER TABLE appeals ADD COLUMN first_choice_id TEXT;
ALTER TABLE appeals ADD COLUMN suggestion TEXT;  -- 'accepted' | 'kept' | NULL: none shown
ALTER TABLE appeals ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
-- The ministry's routing report reads a period of suggestions and of redirects.
CREATE INDEX appeals_suggested ON appeals (created_at) WHERE suggestion IS NOT NULL;
CREATE INDEX appeal_events_redirected ON appeal_events (created_at) WHERE kind = 'redirected';
CREATE INDEX appeal_events_repeated ON appeal_events (created_at) WHERE kind = 'repeated';
