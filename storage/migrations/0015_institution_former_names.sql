-- The names an institution had before it was renamed or merged (issue 18): the search
-- finds it by them and the bot's card shows them ("Ранее: ..."). Directory data (the CSV's
-- `former_names` column), ";"-separated like `aliases`; '' when none.
ALTER TABLE institutions ADD COLUMN former_names TEXT NOT NULL DEFAULT '';
