/**
 * Guardrail numbers shared by the program's config schema, its components and the pack's rules, each
 * written once. They live in the pack because the pack ships on its own.
 */

/** Days of RDS automated backups (point-in-time recovery) required outside dev. */
export const MIN_BACKUP_RETENTION_DAYS = 7;
/** Days nightly database snapshots are kept in the backup vault outside dev. */
export const MIN_SNAPSHOT_RETENTION_DAYS = 30;
