-- Additive indexes that keep the report queries cheap as tokens grows. No triggers: other services'
-- writes pay only the normal cost of one more index entry per used token. The service applies this
-- file at start, in the background (CONCURRENTLY: no lock that blocks writers; IF NOT EXISTS: a
-- no-op once built). Statements run one at a time: CONCURRENTLY cannot run in a transaction.

-- daily_usage reads only used tokens, and only created_at: an index-only scan over this partial
-- index replaces a full table scan.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tokens_used_created_at_idx ON tokens (created_at) WHERE used_at IS NOT NULL;
