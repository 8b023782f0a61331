-- summary: accounts get a display name beside the full name
-- parent: 20261201090000
-- contract: safe_online

-- An additive change: a nullable column without a default is a catalog change only (no table rewrite, a brief
-- ACCESS EXCLUSIVE lock); the running release never names it. Writers fill it from the next release on.

-- migrate:up
ALTER TABLE accounts ADD COLUMN display_name text;

-- migrate:down
ALTER TABLE accounts DROP COLUMN display_name;
