-- The institution that runs an institution (issue 18): a FAP, an outpatient clinic or a
-- district's ambulance belong to their central district hospital, which answers for them.
-- Directory data (the CSV's `parent` column), not code; '' when none.
ALTER TABLE institutions ADD COLUMN parent TEXT NOT NULL DEFAULT '';
