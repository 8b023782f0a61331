-- summary: look accounts up by display name, case-insensitively
-- parent: 20261203090000
-- contract: safe_online

-- CREATE INDEX CONCURRENTLY takes no lock that blocks writes, and cannot run inside a transaction:
-- dbmate's transaction:false runs the block on its own. A failed build leaves an INVALID index behind,
-- which the IF EXISTS of the downgrade removes.

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY accounts_display_name_lower ON accounts (lower(display_name));

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS accounts_display_name_lower;
