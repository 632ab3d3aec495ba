-- The staff and ministry web console (issue 17): sign-in links and sessions, internal
-- notes, and the queue page's search.

-- A one-time sign-in link (`/web` in chat, `python -m bot web-link`): only the sha256 of its
-- random token is kept, so the table gives no way in. Used once (used_at), for 10 minutes.
-- role and institution_id record whom it signs in as: `member` is a listed member of a
-- staff group without a role (they act for the group's institutions, as in the chat);
-- institution_id NULL: every institution the person's role covers.
CREATE TABLE web_links (
    token_hash      TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'duty', 'operator', 'member')),
    institution_id  TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
) WITHOUT ROWID;
CREATE INDEX web_links_age ON web_links (expires_at);

-- A signed-in browser: the sha256 of the session cookie's value. Expires; signing out
-- deletes it; revoking a person's roles ends what it may see (checked at every request).
CREATE TABLE web_sessions (
    token_hash      TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'duty', 'operator', 'member')),
    institution_id  TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_age ON web_sessions (expires_at);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Internal notes on an appeal: staff only, never sent to the citizen (each is also an
-- appeal_events row of kind 'note', the audit trail).
CREATE TABLE appeal_notes (
    id          INTEGER PRIMARY KEY,
    appeal_id   INTEGER NOT NULL REFERENCES appeals(id),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX appeal_notes_appeal ON appeal_notes (appeal_id, id);

-- The queue's search over the citizen's text and the staff answers: full-text indexes
-- (FTS5) over the rows themselves (external content: the index only, no second copy of
-- the text), kept by triggers. A LIKE over appeals.text would read every appeal.
-- remove_diacritics folds ё into е; unicode61 folds case (Cyrillic too).
CREATE VIRTUAL TABLE appeals_fts USING fts5(
    text, content = 'appeals', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO appeals_fts (appeals_fts) VALUES ('rebuild');
CREATE TRIGGER appeals_fts_insert AFTER INSERT ON appeals BEGIN
    INSERT INTO appeals_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER appeals_fts_update AFTER UPDATE OF text ON appeals BEGIN
    INSERT INTO appeals_fts (appeals_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO appeals_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER appeals_fts_delete AFTER DELETE ON appeals BEGIN
    INSERT INTO appeals_fts (appeals_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- The answers: the staff messages of the thread only.
CREATE VIRTUAL TABLE answers_fts USING fts5(
    text, content = 'appeal_messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO answers_fts (rowid, text) SELECT id, text FROM appeal_messages WHERE kind = 'staff';
CREATE TRIGGER answers_fts_insert AFTER INSERT ON appeal_messages WHEN new.kind = 'staff' BEGIN
    INSERT INTO answers_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER answers_fts_update AFTER UPDATE OF text, kind ON appeal_messages BEGIN
    INSERT INTO answers_fts (answers_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.kind = 'staff';
    INSERT INTO answers_fts (rowid, text) SELECT new.id, new.text WHERE new.kind = 'staff';
END;
CREATE TRIGGER answers_fts_delete AFTER DELETE ON appeal_messages WHEN old.kind = 'staff' BEGIN
    INSERT INTO answers_fts (answers_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
