// The stage's one state table (serverless.yml; env STATE_TABLE_NAME): pay-per-request, key
// `pk` (S, hash) + `sk` (S, range), TTL attribute `expiresAt` (N, epoch seconds). Each kind of
// item owns a `pk` prefix; this file names them, so two kinds never share a partition.

export const StateTable = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Epoch seconds after which DynamoDB deletes the item; items without it never expire. */
  ttlAttribute: "expiresAt",
} as const;

/** `quarantine#<registryId>/<repositoryName>`: one partition per repository, one item per digest. */
export function quarantinePartition(registryId: string, repositoryName: string): string {
  return `quarantine#${registryId}/${repositoryName}`;
}

/** `scan#<registryId>/<repositoryName>`: one partition per repository, one item (the latest scan) per digest. */
export function scanPartition(registryId: string, repositoryName: string): string {
  return `scan#${registryId}/${repositoryName}`;
}

/** `refusal#<cluster>/<namespace>/<name>`: one item per refused annotation value of that Deployment. */
export function refusalPartition(deployment: string): string {
  return `refusal#${deployment}`;
}

/**
 * `idempotency#<function>`: one partition per function, one item per key it handled once
 * (Powertools idempotency records, functions/lambda/idempotency.ts; they expire through expiresAt).
 */
export function idempotencyPartition(functionName: string): string {
  return `idempotency#${functionName}`;
}

/**
 * `release#<key>`: one partition per release (key: the pipeline execution id, or
 * `<repository name>@<digest>`), one item per channel with a thread, and an `alias` item when the
 * key is another name of a release filed under a different key.
 */
export function releasePartition(key: string): string {
  return `release#${key}`;
}

/**
 * `slack-nonce#<X-Slack-Request-Timestamp>`: one partition per second of Slack requests, one item
 * per signature verified in it (onSlackAction claims each once, so a replay is refused); they
 * expire through expiresAt once the request could no longer verify.
 */
export function slackNoncePartition(timestamp: string): string {
  return `slack-nonce#${timestamp}`;
}
