-- Conversation state belongs to (platform, chat, user): a task started in one chat (a staff
-- answer in the staff group, an appeal form in private) can only be finished in that chat.
-- Existing states move to the user's private chat (its id is the user's on Telegram and
-- VK); a staff answer or redirect in progress is dropped rather than guessed.
CREATE TABLE dialog_state_new (
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',  -- JSON
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, user_id)
) WITHOUT ROWID;
INSERT INTO dialog_state_new (platform, chat_id, user_id, state, data, updated_at)
    SELECT platform, user_id, user_id, state, data, updated_at FROM dialog_state
    WHERE state NOT IN ('staff_answer', 'staff_redirect');
DROP TABLE dialog_state;
ALTER TABLE dialog_state_new RENAME TO dialog_state;
