-- The replies of a handled update are kept until the transport says they were sent, so an
-- update redelivered after a crash in between gets its replies again (not a silent bot).
ALTER TABLE seen_updates ADD COLUMN replies TEXT;
ALTER TABLE seen_updates ADD COLUMN replied INTEGER NOT NULL DEFAULT 1;
