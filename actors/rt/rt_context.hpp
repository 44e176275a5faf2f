#pragma once

namespace crowdmesh::rt {

/// True while the calling thread is inside a real-time callback scope.
/// Lets tests (allocation hooks) and debug checks tell RT code from the rest.
/// Wait-free; reads a thread_local flag.
bool in_rt_context() noexcept;

/// RAII marker placed at the top of every real-time callback: sets the
/// thread's RT flag for its lifetime. Wait-free, never allocates.
class RtContextScope {
 public:
  RtContextScope() noexcept;
  ~RtContextScope();
  RtContextScope(const RtContextScope&) = delete;
  RtContextScope& operator=(const RtContextScope&) = delete;
};

}  // namespace crowdmesh::rt
