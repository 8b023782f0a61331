-- summary: full_name is gone; display_name replaces it
-- parent: 20261204090000
-- contract: destructive
-- no_downgrade: dropping the column discards its values; a column added back would be empty, so the way back is the snapshot the deploy takes first (docs/runbooks/restore.md)

-- Destructive, so the release before this one must no longer read full_name (it reads display_name since
-- 20261203090000), or its pods fail until the rollout ends.

-- migrate:up
ALTER TABLE accounts DROP COLUMN full_name;

-- migrate:down
