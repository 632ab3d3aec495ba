-- Reports that read what they show, not the whole history (issue 15): every query of the
-- storage layer is searched through an index (tests/storage/test_query_plans.py).

-- The staff queue and the digests: open appeals, and answered ones whose answer did not
-- reach the citizen, by deadline. The condition is storage/appeals_repo.py's QUEUE word for
-- word, with literal statuses: a partial index serves a query only if the query carries its
-- condition, and `status IN (?, ?)` bound as parameters does not.
CREATE INDEX appeals_queue_open ON appeals (due_at, first_response_due)
    WHERE status IN ('new', 'in_progress') OR (status = 'answered' AND undelivered_at IS NOT NULL);
CREATE INDEX appeals_queue_open_inst ON appeals (institution_id, due_at, first_response_due)
    WHERE status IN ('new', 'in_progress') OR (status = 'answered' AND undelivered_at IS NOT NULL);

-- /stats: the open figures from the open appeals only, the period's from the period only.
CREATE INDEX appeals_open_status ON appeals (status, institution_id, due_at)
    WHERE status IN ('new', 'in_progress');
CREATE INDEX appeals_created ON appeals (created_at, institution_id);
CREATE INDEX appeals_answered ON appeals (answered_at, institution_id)
    WHERE answered_at IS NOT NULL;
CREATE INDEX appeals_first_response ON appeals (first_response_at, first_response_due, institution_id)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX appeals_closed ON appeals (closed_at, institution_id, rating)
    WHERE closed_at IS NOT NULL;
-- Retention: the closed appeals not yet anonymised, by the moment they closed.
CREATE INDEX appeals_to_anonymise ON appeals (COALESCE(closed_at, updated_at))
    WHERE status = 'closed' AND anonymised_at IS NULL;

-- Everything of one chat (a person forgotten, a chat that got a new id).
CREATE INDEX outbox_chat ON outbox (platform, chat_id);

-- /faqstats and /gaps read counters kept by triggers, one row per FAQ entry and per
-- distinct unanswered question, instead of grouping every feedback and question ever.
CREATE TABLE faq_feedback_totals (
    entry_id  TEXT PRIMARY KEY,
    yes       INTEGER NOT NULL DEFAULT 0,
    no        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO faq_feedback_totals (entry_id, yes, no)
    SELECT entry_id, SUM(helpful != 0), SUM(helpful = 0) FROM faq_feedback GROUP BY entry_id;
CREATE TRIGGER faq_feedback_counted AFTER INSERT ON faq_feedback BEGIN
    INSERT INTO faq_feedback_totals (entry_id, yes, no)
        VALUES (new.entry_id, new.helpful != 0, new.helpful = 0)
        ON CONFLICT (entry_id) DO UPDATE SET yes = yes + excluded.yes, no = no + excluded.no;
END;
CREATE TRIGGER faq_feedback_uncounted AFTER DELETE ON faq_feedback BEGIN
    UPDATE faq_feedback_totals SET yes = yes - (old.helpful != 0), no = no - (old.helpful = 0)
        WHERE entry_id = old.entry_id;
END;
CREATE TRIGGER faq_feedback_recounted AFTER UPDATE OF entry_id, helpful ON faq_feedback BEGIN
    UPDATE faq_feedback_totals SET yes = yes - (old.helpful != 0), no = no - (old.helpful = 0)
        WHERE entry_id = old.entry_id;
    INSERT INTO faq_feedback_totals (entry_id, yes, no)
        VALUES (new.entry_id, new.helpful != 0, new.helpful = 0)
        ON CONFLICT (entry_id) DO UPDATE SET yes = yes + excluded.yes, no = no + excluded.no;
END;
-- The least helpful first, read in order: no sort of every entry.
CREATE INDEX faq_feedback_totals_worst ON faq_feedback_totals
    (CAST(no AS REAL) / (yes + no) DESC, no DESC) WHERE no > 0;

-- The counter keeps no wording: a question forgotten by retention (faq_unanswered rows are
-- deleted after their term) leaves nothing behind. The example shown is read from the kept
-- questions, one index seek each (MAX(question) of one normalized form).
CREATE TABLE faq_unanswered_totals (
    normalized  TEXT PRIMARY KEY,
    asked       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX faq_unanswered_totals_top ON faq_unanswered_totals (asked DESC, normalized);
INSERT INTO faq_unanswered_totals (normalized, asked)
    SELECT normalized, COUNT(*) FROM faq_unanswered GROUP BY normalized;
CREATE TRIGGER faq_unanswered_counted AFTER INSERT ON faq_unanswered BEGIN
    INSERT INTO faq_unanswered_totals (normalized, asked) VALUES (new.normalized, 1)
        ON CONFLICT (normalized) DO UPDATE SET asked = asked + 1;
END;
CREATE TRIGGER faq_unanswered_uncounted AFTER DELETE ON faq_unanswered BEGIN
    UPDATE faq_unanswered_totals SET asked = asked - 1 WHERE normalized = old.normalized;
    DELETE FROM faq_unanswered_totals WHERE normalized = old.normalized AND asked <= 0;
END;
DROP INDEX faq_unanswered_normalized;
CREATE INDEX faq_unanswered_example ON faq_unanswered (normalized, question);
-- Retention of questions and of feedback authors.
CREATE INDEX faq_unanswered_age ON faq_unanswered (created_at);
CREATE INDEX faq_feedback_identified ON faq_feedback (created_at) WHERE user_id != '';
-- A person forgotten: their feedback loses its author.
CREATE INDEX faq_feedback_author ON faq_feedback (platform, user_id);
