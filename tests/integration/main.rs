//! Integration tests, one binary with a module per concern.

mod architecture;
mod bad_input;
mod cache_replay;
mod check;
mod committed;
mod compare;
mod determinism;
mod faults;
mod graph_data;
mod hand_counts;
mod history;
mod html;
mod live;
mod plots;
mod queueing;
mod scenarios;
mod slice;
mod sweep;
mod util;
