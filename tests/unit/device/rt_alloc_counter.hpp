#pragma once
#include <cstdint>

namespace crowdmesh::test {

/// Link the `crowdmesh_rt_alloc_counter` object library into a test
/// executable and every malloc/calloc/realloc/free/aligned_alloc/
/// posix_memalign/memalign/valloc and operator new/delete call made while
/// rt::in_rt_context() is true is counted (glibc only; forwards to
/// __libc_malloc and friends). Thread-safe (one std::atomic counter).

/// Calls counted since the last reset.
std::uint64_t rt_allocations() noexcept;
/// Sets the count back to zero.
void reset_rt_allocations() noexcept;
/// False when the interposer is compiled out (ASan/TSan builds bring their
/// own malloc): tests should GTEST_SKIP then.
bool rt_alloc_counter_active() noexcept;

}  // namespace crowdmesh::test
