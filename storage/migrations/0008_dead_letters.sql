-- Updates the bot could not read (malformed JSON, a message without a chat, a callback
-- without a sender, ...): skipped so they never stall the others, kept here for operators
-- (`python -m bot dead-letters`) for 90 days. `raw` is the update as received, cut at 64 KB.
-- One row per platform update id, so a redelivered bad update is not stored twice.
CREATE TABLE dead_letters (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    update_id    TEXT,
    reason       TEXT NOT NULL,
    raw          TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX dead_letters_update ON dead_letters (platform, update_id)
    WHERE update_id IS NOT NULL;
CREATE INDEX dead_letters_age ON dead_letters (received_at);
