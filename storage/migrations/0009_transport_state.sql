-- A transport's own small state that must survive a restart: MAX's long-poll `marker`
-- (the position past the updates already handled). One value per (platform, name).
CREATE TABLE transport_state (
    platform    TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, name)
) WITHOUT ROWID;
