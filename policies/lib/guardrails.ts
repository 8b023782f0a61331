import { Tier } from "./tiers";

/**
 * Guardrail numbers shared by the program's config schema, its components and the pack's rules, each
 * written once. They live in the pack because the pack ships on its own.
 */

/**
 * Days of database backups required outside dev: RDS automated backups (point-in-time recovery), and on
 * Cloud SQL the transaction logs kept for point-in-time recovery and the automated backups retained.
 */
export const MIN_BACKUP_RETENTION_DAYS = 7;

/** Longest rotation period of a Cloud KMS key, in days (CIS GCP 1.10). */
export const MAX_KEY_ROTATION_DAYS = 90;

/**
 * Tiers whose GCP data stores, registries, secrets and cluster secrets must be encrypted with a customer-managed
 * Cloud KMS key (CMEK). Google encrypts everything at rest with its own keys; CMEK puts reading the data behind
 * a key the project controls, audits and can revoke, which staging and prod data needs and dev does not.
 */
export const CMEK_REQUIRED_TIERS: readonly Tier[] = ["staging", "prod"];

/** Days nightly database snapshots are kept in the backup vault outside dev. */
export const MIN_SNAPSHOT_RETENTION_DAYS = 30;
