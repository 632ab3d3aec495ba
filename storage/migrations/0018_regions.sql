-- Several regions in one deployment (issue 16, item 5). A region is the key of an
-- institution's `region` field (directory/regions.py: "Кировская обл." and "Кировская
-- область" are one key, 'кир'); '' is no region, which is what every row had before:
-- a deployment that binds nothing to a region behaves as it did.
-- * staff.region: the region an operator (or a duty person) works for. An operator with
--   none receives everything, as before; one bound to a region gets its escalations and
--   the cards of its institutions without an inbox.
-- * invites.region: what the accepted invite binds the role to.
-- * duty_roster.region: whose non-working time a roster entry covers ('' every region's).
-- * users.region: the region (the institution's field, as written) of the institution a
--   citizen last filed with: their directory searches prefer it.
-- Plain ADD COLUMN with a constant default: the same statement on SQLite and PostgreSQL,
-- and the column comes last in both.
ALTER TABLE staff ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE duty_roster ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN region TEXT NOT NULL DEFAULT '';
