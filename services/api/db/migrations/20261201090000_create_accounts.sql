-- summary: the accounts the api serves
-- parent: base
-- contract: safe_online

-- A new table: nothing reads or writes it before this release, so it is created online.

-- migrate:up
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    full_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE accounts;
