// jemalloc's options for the steward executable, read by jemalloc before its first allocation.
//
// Transparent huge pages for jemalloc's extents: compiling a 100,000-rule pack touches about a
// gigabyte of fresh memory, and on virtual machines each 4 KiB page fault is costly (perf put
// 16% of that compile in the kernel's fault path). With 2 MiB pages the compile took 30-40%
// less time (docs/performance.md). Memory is still returned to the system on jemalloc's usual
// decay; MALLOC_CONF in the environment still overrides this.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's contract
__attribute__((used)) const char* malloc_conf = "thp:always,metadata_thp:auto";
}
