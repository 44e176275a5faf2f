#include "rt/rt_context.hpp"

namespace crowdmesh::rt {

namespace {
// initial-exec TLS: reading it never allocates (safe inside malloc hooks).
thread_local bool t_in_rt __attribute__((tls_model("initial-exec"))) = false;
}  // namespace

bool in_rt_context() noexcept { return t_in_rt; }
RtContextScope::RtContextScope() noexcept { t_in_rt = true; }
RtContextScope::~RtContextScope() { t_in_rt = false; }

}  // namespace crowdmesh::rt
