-- summary: existing accounts take their full name as display name
-- parent: 20261202090000
-- contract: requires_maintenance_window
-- no_downgrade: the backfill writes values that cannot be told apart from display names the service wrote since; 20261202090000's downgrade drops the column and its values with it

-- A backfill: one UPDATE of every row without a display name, in one transaction. On a large table it
-- holds row locks and writes a new version of each row for as long as it runs, hence the window.

-- migrate:up
UPDATE accounts SET display_name = full_name WHERE display_name IS NULL;
ALTER TABLE accounts ALTER COLUMN display_name SET NOT NULL;

-- migrate:down
