#include "rt_alloc_counter.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <unistd.h>

#include "rt/rt_context.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CROWDMESH_ALLOC_COUNTER_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define CROWDMESH_ALLOC_COUNTER_OFF 1
#endif
#endif

namespace {
std::atomic<std::uint64_t> g_rt_allocations{0};
}  // namespace

namespace crowdmesh::test {
std::uint64_t rt_allocations() noexcept { return g_rt_allocations.load(std::memory_order_relaxed); }
void reset_rt_allocations() noexcept { g_rt_allocations.store(0, std::memory_order_relaxed); }
#ifdef CROWDMESH_ALLOC_COUNTER_OFF
bool rt_alloc_counter_active() noexcept { return false; }
#else
bool rt_alloc_counter_active() noexcept { return true; }
#endif
}  // namespace crowdmesh::test

#ifndef CROWDMESH_ALLOC_COUNTER_OFF

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
inline void note() noexcept {
  if (crowdmesh::rt::in_rt_context()) g_rt_allocations.fetch_add(1, std::memory_order_relaxed);
}
inline bool valid_alignment(std::size_t a) noexcept { return a != 0 && (a & (a - 1)) == 0 && a % sizeof(void*) == 0; }
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) {
  note();
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
void free(void* p) {
  note();
  __libc_free(p);
}
void* memalign(std::size_t alignment, std::size_t n) {
  note();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  note();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  note();
  if (!valid_alignment(alignment)) return EINVAL;
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(std::size_t n) {
  note();
  return __libc_memalign(static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), n);
}
}  // extern "C"

// operator new/delete go through the hooks above (counted once there).
void* operator new(std::size_t n) {
  if (void* p = malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return malloc(n == 0 ? 1 : n); }
void* operator new(std::size_t n, std::align_val_t a) {
  const auto al = std::max(static_cast<std::size_t>(a), sizeof(void*));
  if (void* p = memalign(al, n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return memalign(std::max(static_cast<std::size_t>(a), sizeof(void*)), n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return memalign(std::max(static_cast<std::size_t>(a), sizeof(void*)), n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { free(p); }

#endif  // CROWDMESH_ALLOC_COUNTER_OFF
