-- Bounded storage (issue 15): what a closed appeal keeps once replies to it can no longer
-- arrive. The retention job "compacts" such an appeal in batches: its delivered outbox rows
-- go (a sent card's chat is kept in card_copies, for the status edits a later /forget
-- makes), its thread notices go (their text is a copy of what was sent, their message id
-- only served replies) and its citizen messages lose their message ids. The card message
-- ids (appeal_messages kind 'card') stay until the appeal is anonymised and after.
-- How far compaction got: appeals closed before (until, last_id) in (closed_at, id) order
-- are done. An appeal closes at the current time, so none closes behind the mark later (a
-- marker column on appeals would grow every old row in place and split its pages).
CREATE TABLE retention_progress (
    step     TEXT PRIMARY KEY,
    until    TEXT NOT NULL,
    last_id  INTEGER NOT NULL
) WITHOUT ROWID;

-- The chats a sent card of an appeal went to, for an institution: what
-- storage/outbox_repo.py's card_chats reads besides the outbox's own card rows.
CREATE TABLE card_copies (
    appeal_id       INTEGER NOT NULL REFERENCES appeals(id),
    institution_id  TEXT NOT NULL,
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    PRIMARY KEY (appeal_id, institution_id, platform, chat_id)
) WITHOUT ROWID;
