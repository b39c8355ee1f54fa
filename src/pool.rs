//! Independent jobs on a pool of threads: the one runner behind every batch of runs (`check`,
//! `sweep`, `compare`, `reports`).
//!
//! Each job is single-threaded and deterministic, so a batch's results depend neither on the
//! number of threads nor on the order the jobs finish in: they come back in the order of the
//! input. Jobs start in that order too, one per free thread, so a caller that puts its longest
//! jobs first keeps a long one from starting last and running alone.
//!
//! This module knows nothing of scenarios or reports.

use rayon::iter::{ParallelBridge, ParallelIterator};

/// The cores this process may use: the default number of jobs.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` applied to every item on `jobs` threads (at least 1, at most one per item), the results
/// in the items' order. Items are handed out in order as threads become free.
pub fn map_in_order<T, R>(jobs: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = jobs.clamp(1, items.len().max(1));
    let run = || {
        let mut done: Vec<(usize, R)> = items.iter().enumerate().par_bridge().map(|(i, x)| (i, f(x))).collect();
        done.sort_unstable_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        // No thread could be started: run the jobs on this one.
        Err(_) => items.iter().map(&f).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn results_come_back_in_input_order_at_any_thread_count() {
        let items: Vec<u64> = (0..50).collect();
        let want: Vec<u64> = items.iter().map(|x| x * x).collect();
        for jobs in [0, 1, 2, 7, 100] {
            assert_eq!(map_in_order(jobs, &items, |x| x * x), want, "{jobs} jobs");
        }
        assert_eq!(map_in_order(4, &[] as &[u64], |x| *x), Vec::<u64>::new());
    }

    #[test]
    fn one_thread_starts_the_jobs_in_order() {
        let started = Mutex::new(Vec::new());
        map_in_order(1, &[3, 1, 2], |x| started.lock().unwrap().push(*x));
        assert_eq!(started.into_inner().unwrap(), [3, 1, 2]);
    }
}
