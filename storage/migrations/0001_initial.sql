-- The initial schema. Timestamps are ISO 8601 UTC text ("2026-11-23T09:00:00+00:00"),
-- which sorts correctly as text.

CREATE TABLE institutions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    aliases     TEXT NOT NULL DEFAULT '',  -- ';'-separated
    kind        TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    district    TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    vk          TEXT NOT NULL DEFAULT '',
    telegram    TEXT NOT NULL DEFAULT '',
    ok          TEXT NOT NULL DEFAULT '',
    timezone    TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    platform          TEXT NOT NULL,
    platform_user_id  TEXT NOT NULL,
    chat_id           TEXT NOT NULL,  -- the private chat with the bot
    display_name      TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE staff (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'duty', 'operator')),
    institution_id  TEXT REFERENCES institutions(id),  -- NULL: region-wide
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX staff_unique ON staff (user_id, role, COALESCE(institution_id, ''));

-- Where an institution's appeals go: a private chat or a staff group, on any platform.
CREATE TABLE inbox_chats (
    id              INTEGER PRIMARY KEY,
    institution_id  TEXT NOT NULL REFERENCES institutions(id),
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    is_group        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    UNIQUE (institution_id, platform, chat_id)
);
CREATE INDEX inbox_chats_chat ON inbox_chats (platform, chat_id);

CREATE TABLE invites (
    token           TEXT PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'duty', 'operator')),
    institution_id  TEXT REFERENCES institutions(id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    used_by         INTEGER REFERENCES users(id)
);

CREATE TABLE appeals (
    id                  INTEGER PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    citizen_id          INTEGER NOT NULL REFERENCES users(id),
    platform            TEXT NOT NULL,  -- where the citizen wrote: the answer goes back there
    chat_id             TEXT NOT NULL,
    institution_id      TEXT NOT NULL REFERENCES institutions(id),
    category            TEXT NOT NULL,
    text                TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'answered', 'closed')),
    assignee_id         INTEGER REFERENCES users(id),
    rating              INTEGER,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    first_response_due  TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    first_response_at   TEXT,
    answered_at         TEXT,
    closed_at           TEXT,
    next_reminder_at    TEXT,
    reminder_stage      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appeals_queue ON appeals (institution_id, status, due_at);
CREATE INDEX appeals_citizen ON appeals (citizen_id, id);
CREATE INDEX appeals_open_due ON appeals (due_at) WHERE status IN ('new', 'in_progress');
CREATE INDEX appeals_reminders ON appeals (next_reminder_at) WHERE next_reminder_at IS NOT NULL;

-- Audit trail: every status change and staff action.
CREATE TABLE appeal_events (
    id          INTEGER PRIMARY KEY,
    appeal_id   INTEGER NOT NULL REFERENCES appeals(id),
    actor_id    INTEGER REFERENCES users(id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',  -- JSON
    created_at  TEXT NOT NULL
);
CREATE INDEX appeal_events_appeal ON appeal_events (appeal_id, id);

-- The thread: what the citizen and the staff wrote, and every card the bot posted,
-- with the platform message id so a reply to a card finds its appeal.
CREATE TABLE appeal_messages (
    id          INTEGER PRIMARY KEY,
    appeal_id   INTEGER NOT NULL REFERENCES appeals(id),
    kind        TEXT NOT NULL CHECK (kind IN ('citizen', 'staff', 'card', 'notice')),
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    message_id  TEXT,
    author_id   INTEGER REFERENCES users(id),
    text        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX appeal_messages_appeal ON appeal_messages (appeal_id, id);
CREATE UNIQUE INDEX appeal_messages_platform_message
    ON appeal_messages (platform, chat_id, message_id) WHERE message_id IS NOT NULL;

CREATE TABLE dialog_state (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',  -- JSON
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

-- Everything to send to a chat other than the one being answered right now.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,  -- JSON: text, buttons, card/edit info
    appeal_id   INTEGER REFERENCES appeals(id),
    kind        TEXT NOT NULL DEFAULT 'message',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    message_id  TEXT,
    error       TEXT
);
CREATE INDEX outbox_pending ON outbox (platform, not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_appeal ON outbox (appeal_id, kind) WHERE appeal_id IS NOT NULL;

CREATE TABLE faq_feedback (
    id          INTEGER PRIMARY KEY,
    entry_id    TEXT NOT NULL,
    helpful     INTEGER NOT NULL,
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX faq_feedback_entry ON faq_feedback (entry_id);

CREATE TABLE faq_unanswered (
    id          INTEGER PRIMARY KEY,
    question    TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    platform    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX faq_unanswered_normalized ON faq_unanswered (normalized);
