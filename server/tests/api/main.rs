//! Integration tests: a real server on 127.0.0.1:0 with a fresh data dir per
//! test, called over HTTP. One binary, so everything compiles once.

mod aborted_pages;
mod applications;
mod authz;
mod binary;
mod cluster;
mod cluster_applications;
mod cluster_notices;
mod coherence;
mod concurrency;
mod console;
mod consumer_keys;
mod crash;
mod doors;
mod forward_auth;
mod helpers;
mod keys;
mod leases;
mod migrate_data;
mod nginx;
mod nginx_upstream;
mod notifications;
mod notify_outbound;
mod oauth;
mod operations;
mod peers;
mod pg;
mod pg_engine;
mod pg_tls;
mod rate_limits;
mod self_rotation;
mod sign_in_races;
mod token_reach;
mod two_factor;
mod usage;
mod users;
