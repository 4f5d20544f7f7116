/**
 * `pgdrill demo --s3` choices, spelled here so that building the command line loads no demo code (the
 * demo's S3 module loads the AWS SDK and testcontainers); a unit test keeps it equal to SCRATCH_S3_CHOICES.
 */
export const DEMO_S3_CHOICES = ['auto', 'minio', 'embedded'] as const;
