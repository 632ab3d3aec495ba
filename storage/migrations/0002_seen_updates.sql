-- Updates already handled, so one redelivered after a crash (Telegram getUpdates offset
-- not yet confirmed, VK long-poll replay) is not handled twice.
CREATE TABLE seen_updates (
    platform    TEXT NOT NULL,
    update_key  TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (platform, update_key)
) WITHOUT ROWID;
CREATE INDEX seen_updates_age ON seen_updates (seen_at);
