-- The model smoke query of the api: what its account model does, run by `npm run migrations:check` at
-- the head of db/migrations on a throwaway PostgreSQL. Plain SQL (no psql commands); the last statement
-- must return at least one row.
INSERT INTO accounts (email, display_name) VALUES ('smoke@example.com', 'Smoke Test');
SELECT id, email, display_name, created_at
  FROM accounts
 WHERE lower(display_name) = lower('SMOKE TEST');
