-- Deadlines, reminders and duty: an appeal remembers when it went overdue, was escalated
-- and extended; the duty roster; which digests went out (each once a day).
ALTER TABLE appeals ADD COLUMN overdue_at TEXT;
ALTER TABLE appeals ADD COLUMN escalated_at TEXT;
ALTER TABLE appeals ADD COLUMN extended_at TEXT;

CREATE TABLE duty_roster (
    day         TEXT NOT NULL,  -- YYYY-MM-DD in the region's default timezone
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (day, user_id)
) WITHOUT ROWID;

CREATE TABLE digest_log (
    kind        TEXT NOT NULL,  -- morning | handoff
    target      TEXT NOT NULL,  -- institution id, or '' for the region
    day         TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (kind, target, day)
) WITHOUT ROWID;
