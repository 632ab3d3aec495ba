-- One delivery path (issue 10). Every outgoing message has a key of its own for ever (a
-- random UUID, so a restored backup can never reuse one: VK's random_id comes from it);
-- real columns for what queries filter on; the class of the last failure; inboxes that
-- turned out unreachable; answers that could not reach the citizen. Direct replies are
-- outbox rows now, so the replies kept per update are gone.
-- Payloads written before this migration are read by the message codec's legacy branch.
ALTER TABLE outbox ADD COLUMN key TEXT;
ALTER TABLE outbox ADD COLUMN institution_id TEXT;
ALTER TABLE outbox ADD COLUMN failure TEXT;
ALTER TABLE outbox ADD COLUMN last_attempt_at TEXT;
UPDATE outbox SET key = lower(hex(randomblob(16))) WHERE key IS NULL;
UPDATE outbox SET institution_id = json_extract(payload, '$.institution_id') WHERE kind = 'card';
CREATE UNIQUE INDEX outbox_key ON outbox (key);
CREATE INDEX outbox_chat_sending ON outbox (platform, chat_id) WHERE status = 'sending';
CREATE INDEX outbox_chat_pending ON outbox (platform, chat_id, id) WHERE status = 'pending';
CREATE INDEX outbox_sent_age ON outbox (sent_at) WHERE status = 'sent';
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

ALTER TABLE inbox_chats ADD COLUMN disabled_at TEXT;
ALTER TABLE inbox_chats ADD COLUMN disabled_reason TEXT;

ALTER TABLE appeals ADD COLUMN undelivered_at TEXT;
ALTER TABLE appeals ADD COLUMN undelivered_reason TEXT;

ALTER TABLE seen_updates DROP COLUMN replies;
ALTER TABLE seen_updates DROP COLUMN replied;
