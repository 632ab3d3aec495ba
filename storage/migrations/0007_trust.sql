-- Trust: who in a staff group is staff, an audit of staff changes, bans, one vote per
-- answer, anonymised people and appeals.

-- A group inbox acts through its listed members only: those who accepted an invite in the
-- group or whom an admin added. Everyone else in the group is a bystander.
CREATE TABLE group_members (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    added_by    INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    UNIQUE (platform, chat_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);
-- Before this list existed, every admin of an institution whose inbox is a group accepted
-- the invite for it: they stay members of that group.
INSERT OR IGNORE INTO group_members (platform, chat_id, user_id, created_at)
    SELECT c.platform, c.chat_id, s.user_id, c.created_at
    FROM inbox_chats c
    JOIN staff s ON s.institution_id = c.institution_id AND s.role = 'admin'
    JOIN users u ON u.id = s.user_id AND u.platform = c.platform
    WHERE c.is_group = 1;

-- Who gave or took staff power, and when: roles, group members, inboxes, bans.
CREATE TABLE staff_audit (
    id          INTEGER PRIMARY KEY,
    actor       TEXT NOT NULL,  -- a user id, or "cli" for the command line
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE bans (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id),
    reason      TEXT NOT NULL DEFAULT '',
    banned_by   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    refused_at  TEXT  -- the one polite refusal was sent
);

-- A feedback button counts once per answer message.
ALTER TABLE faq_feedback ADD COLUMN answer_key TEXT;
CREATE UNIQUE INDEX faq_feedback_once ON faq_feedback (platform, user_id, answer_key)
    WHERE answer_key IS NOT NULL;

ALTER TABLE users ADD COLUMN forgotten_at TEXT;
ALTER TABLE appeals ADD COLUMN anonymised_at TEXT;
-- "Вопрос не решён" reopens once per answer: the answers given and the reopens made.
ALTER TABLE appeals ADD COLUMN answers_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeals ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
UPDATE appeals SET answers_given = 1 WHERE answered_at IS NOT NULL;
-- The 59-FZ art. 11 marks of the citizen's text ("obscene", "threat"), comma-separated.
ALTER TABLE appeals ADD COLUMN abuse TEXT NOT NULL DEFAULT '';
