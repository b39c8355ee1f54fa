//! Memory hints: ask the processor to start loading a cache line that the program will read
//! soon, so that the load overlaps other work. A hint changes no state and no result; where
//! the processor has no prefetch instruction it does nothing.

/// Asks the processor to bring the cache line holding `p` into its caches.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor has. A prefetch is a hint:
    // it reads nothing the program sees and never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
