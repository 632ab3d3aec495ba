-- Several workers in polling mode (issue 16): the one worker that polls a platform stores
-- each batch of updates here, raw, before it moves the platform's offset past them; every
-- worker takes them from here (bot/inbox.py). A row is held by the worker that took it
-- until `available_at` (taken again after that if the worker died: the dedupe table makes
-- a second handling harmless) and deleted once handled. One chat's rows are taken only
-- while none of its earlier rows is held, so a person's updates are handled in order.
CREATE TABLE inbox (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    chat_key        TEXT NOT NULL,  -- the conversation whose order the rows keep
    payload         TEXT NOT NULL,  -- the update as the platform sent it (JSON)
    received_at     TEXT NOT NULL,
    available_at    TEXT NOT NULL,  -- taken when due; held or backing off until then
    tries           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_chat ON inbox (platform, chat_key, id);
CREATE INDEX inbox_due ON inbox (platform, available_at);
