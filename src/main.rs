//! The `discosim` binary: everything is in the library's `cli` module, but for the allocator.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, asking the kernel to back large blocks with transparent huge pages.
///
/// Why: at 10⁶ instances every event reads per-instance state scattered over hundreds of
/// megabytes, and with 4 KiB pages nearly every such read also misses the TLB (a page walk,
/// itself often a cache miss). Where the kernel's THP setting is `madvise` (a common
/// default), only blocks marked with `MADV_HUGEPAGE` get 2 MiB pages. Only new blocks are
/// advised (per-instance arrays are allocated once, at their size): blocks that grow by
/// `realloc`, such as the queue's buckets, are read and written in order, gain little, and
/// would commit whole huge pages ahead of use (12 MB more peak RSS at 10⁶ instances × 6 min).
/// Small blocks are left alone; where the advice is refused or THP is off, nothing changes.
/// Results never depend on it: only where the memory sits.
struct HugePages;

/// Blocks at least this large are advised (so at most one partial huge page is wasted on
/// either side of a block many times its size).
const ADVISED: usize = 8 << 20;
const HUGE_PAGE: usize = 2 << 20;

#[global_allocator]
static ALLOCATOR: HugePages = HugePages;

// SAFETY: every call forwards to `System` unchanged; `advise` only adds a hint on memory the
// block owns. `realloc` keeps the default (`System`'s, not the trait's copying one).
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System.alloc`'s.
        advise(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        advise(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Marks the whole huge pages inside a large block `MADV_HUGEPAGE`; returns the block.
fn advise(block: *mut u8, size: usize) -> *mut u8 {
    #[cfg(target_os = "linux")]
    if !block.is_null() && size >= ADVISED {
        let start = (block as usize).next_multiple_of(HUGE_PAGE);
        let end = (block as usize + size) / HUGE_PAGE * HUGE_PAGE;
        // SAFETY: [start, end) lies inside the block just allocated; the advice changes how it
        // is backed, never its contents. A failure (an old kernel) is harmless and ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
    block
}

fn main() -> std::process::ExitCode {
    discosim::cli::main()
}
