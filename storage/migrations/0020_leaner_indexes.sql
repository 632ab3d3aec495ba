-- Bounded storage (issue 15): what a closed appeal keeps after retention, without an index
-- that another already serves (bench growth at 100k appeals: 3,335 -> about 3,050 B per
-- closed appeal).
-- * appeals_answered (answered_at, institution_id) is the leading part of
--   appeals_answer_hours under the same condition: its statements read that one.
-- * appeals_first_response and appeals_response_hours become one index over the period's
--   first responses: /stats' on-time count reads first_response_due from it, the
--   dashboard the duration (the expression word for word, as storage/dashboard_repo.py
--   writes it).
-- * An index entry ends with its row's id: (appeal_id, id) wrote the id twice, (appeal_id)
--   reads an appeal's rows in the same order.
-- * The full-text indexes keep which rows hold a word, not where in them (detail=none:
--   a third of their size), and no lengths of the rows (columnsize=0: they are for
--   ranking, and the search orders by deadline). The console's search is a conjunction of
--   single words and prefixes (bot/web/queue.py search_terms), which needs neither.
DROP INDEX appeals_answered;
DROP INDEX appeals_first_response;
DROP INDEX appeals_response_hours;
CREATE INDEX appeals_response_hours ON appeals
    (first_response_at, institution_id, first_response_due,
     round((julianday(first_response_at) - julianday(created_at)) * 86400) / 3600)
    WHERE first_response_at IS NOT NULL;
DROP INDEX appeal_events_appeal;
CREATE INDEX appeal_events_appeal ON appeal_events (appeal_id);
DROP INDEX appeal_messages_appeal;
CREATE INDEX appeal_messages_appeal ON appeal_messages (appeal_id);
DROP INDEX appeals_citizen;
CREATE INDEX appeals_citizen ON appeals (citizen_id);

-- The triggers of migration 0016 write into the tables by name and stay as they are.
DROP TABLE appeals_fts;
CREATE VIRTUAL TABLE appeals_fts USING fts5(
    text, content = 'appeals', content_rowid = 'id', detail = none, columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO appeals_fts (appeals_fts) VALUES ('rebuild');
DROP TABLE answers_fts;
CREATE VIRTUAL TABLE answers_fts USING fts5(
    text, content = 'appeal_messages', content_rowid = 'id', detail = none, columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO answers_fts (rowid, text) SELECT id, text FROM appeal_messages WHERE kind = 'staff';
