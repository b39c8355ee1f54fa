//! tweetcap: a capacity-planning simulator and benchmark harness for a Twitter-like
//! tweet/timeline service.
//!
//! A YAML scenario ([`scenario`]) names a population ([`graph`]), a workload ([`workload`]), a
//! hardware model and the strategies to use ([`strategy`]). The in-memory service ([`service`])
//! executes each request for real and returns the resource visits it costs; the discrete-event
//! engine ([`sim`]) plays those visits out on queues in simulated time; the recorder
//! ([`metrics`]) and the report ([`report`]) turn the run into latency, storage and bandwidth
//! figures beside a back-of-envelope estimate ([`estimate`]). A [`sweep`] runs one scenario over
//! the values of one key, in parallel, and finds the smallest setting that meets the SLOs.
//! [`shipped`] regenerates the committed reports of the shipped scenarios and finds the stale
//! ones.
//!
//! # Accuracy
//! The engine is exact for the model it is given: with one shard, no network and exponential
//! service times it is an M/M/c queue, and the test suite checks its mean and p99 against
//! queueing theory. What it cannot know is whether the model's service times describe your
//! hardware; treat absolute latencies as what the model implies, and comparisons between
//! strategies under one model as the main result.
//!
//! # Limitations
//! State changes happen when a request arrives, not when its visits complete: a reader can see
//! a tweet whose fan-out is still queued. The network is a pure delay (no link queueing).

pub mod assembly;
pub mod check;
pub mod cli;
pub mod compare;
pub mod estimate;
pub mod graph;
pub mod harness;
pub mod ids;
pub mod metrics;
pub mod pool;
pub mod prefetch;
pub mod report;
pub mod run;
pub mod scenario;
pub mod seed;
pub mod service;
pub mod shipped;
pub mod sim;
pub mod strategy;
pub mod sweep;
pub mod tier;
pub mod trace;
pub mod workload;
