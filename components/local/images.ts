/**
 * Images of the local environment, pinned by digest like every other environment's. The digests are the
 * multi-platform indexes these tags resolved to, taken from public material (other projects pinning the same
 * tag to the same digest, image inventories); they were not looked up from a registry here (no network).
 * To move one, take the digest `docker buildx imagetools inspect <image:tag>` prints and keep the tag for readers.
 */
export const LOCAL_IMAGES = {
    postgres: "postgres:16-alpine@sha256:57c72fd2a128e416c7fcc499958864df5301e940bca0a56f58fddf30ffc07777",
    redis: "redis:7-alpine@sha256:6ab0b6e7381779332f97b8ca76193e45b0756f38d4c0dcda72dbb3c32061ab99",
    // MinIO stopped publishing community images after this release; it still serves the S3 API the services use.
    minio: "minio/minio:RELEASE.2025-09-07T16-13-09Z@sha256:14cea493d9a34af32f524e538b8346cf79f3321eff8e708c1e2960462bd8936e",
    // The last LocalStack release that starts without an auth token.
    localstack: "localstack/localstack:4.14.0@sha256:3ebc37595918b8accb852f8048fef2aff047d465167edd655528065b07bc364a",
    mailpit: "axllent/mailpit:v1.31.2@sha256:74d609a42ec279aa63c6b4622a6fa9b5408d1ad5b1d76a1c4be40a265ce0863d",
    otelCollector: "otel/opentelemetry-collector-contrib:0.144.0@sha256:213886eb6407af91b87fa47551c3632be1a6419ff3a5114ef1e6fc364628496f",
    loki: "grafana/loki:3.7.8@sha256:1107dd5274e0ada47e42472b7a7e71f3b2a2fe878878108f3e2f9e51528f0193",
    tempo: "grafana/tempo:2.9.0@sha256:65a5789759435f1ef696f1953258b9bbdb18eb571d5ce711ff812d2e128288a4",
    grafana: "grafana/grafana:13.2.2@sha256:ac461fb352abc50da10a51c7d02462e9c05488f11f53f14b3ad79a8145f638a0",
} as const;

export type LocalImage = keyof typeof LOCAL_IMAGES;
