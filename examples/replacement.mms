# Page replacement in a running machine: the textbook experiment, done by the kernel.
#
# The machine gives the research policy 3 frames for user pages (policy_frames=3) and reads
# one page per fault (no readahead, no fault-around), so every reference to a page that is
# not resident is one major fault, exactly as in the classic exercise. The policy chooses
# each victim; Linux's own code evicts it: a clean file page is dropped (and read again on
# its next use), a dirty anonymous page is written to swap.
#
# Run it with each policy and compare with `mmsim trace --policy all --frames 3
# --page-size raw examples/belady.trace`, the same string without a machine:
#
#   mmsim run examples/replacement.mms --set policy=fifo     # 9 faults for the string
#   mmsim run examples/replacement.mms --set policy=lru      # 10
#   mmsim run examples/replacement.mms --set policy=clock    # 9
#   mmsim run examples/replacement.mms --set policy=arc      # 11: trace mode says 10
#
# FIFO, LRU and CLOCK give the textbook's counts: exec's pages are the oldest and the least
# recently used, so the first three faults evict them and the string then runs as on an
# empty memory. The adaptive policies (ARC, LIRS, CLOCK-Pro ...) also remember exec's pages
# (ghosts, recency history), so here they may differ from trace mode, which starts empty;
# on a machine whose policy sees only the string, every policy gives trace mode's counts
# exactly (tests/unit/test_policy_reclaim.c checks all of them).
#
# Without --set the kernel's own reclaim (policy=linux) runs and has no frame limit here:
# only the first use of each page faults.
machine ram=64M swap=8M policy_frames=3 read_ahead_kb=0 fault_around_bytes=4096

echo == exec: the kernel writes the new stack (2 pages) and reads the ELF headers
exec 1 /usr/bin/true
1 mmap(NULL, 6*4096, PROT_READ, MAP_PRIVATE, 3</usr/bin/true>, 0) = $f
show faults

echo == the string 1 2 3 4 1 2 5 1 2 3 4 5: page N is the file's page N
1 read $f+0x1000
1 read $f+0x2000
1 read $f+0x3000
1 read $f+0x4000
1 read $f+0x1000
1 read $f+0x2000
1 read $f+0x5000
1 read $f+0x1000
1 read $f+0x2000
1 read $f+0x3000
1 read $f+0x4000
1 read $f+0x5000

echo == MAJFL grew by the faults of the string (FIFO 9, LRU 10, CLOCK 9); the policy also counts exec's pages and references
show faults
show policy
