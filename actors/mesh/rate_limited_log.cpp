#include "mesh/rate_limited_log.hpp"

#include "common/log.hpp"

namespace crowdmesh::mesh {

bool RateLimitedLog::should_log(const std::string& kind, std::int64_t now_ns, std::uint64_t* suppressed) {
  Kind& k = kinds_[kind];
  if (k.logged && now_ns - k.last_ns < interval_ns_) {
    ++k.suppressed;
    return false;
  }
  if (suppressed) *suppressed = k.suppressed;
  k.suppressed = 0;
  k.logged = true;
  k.last_ns = now_ns;
  return true;
}

void RateLimitedLog::warn(const std::string& kind, std::int64_t now_ns, const std::string& text) {
  std::uint64_t suppressed = 0;
  if (!should_log(kind, now_ns, &suppressed)) return;
  if (suppressed > 0) {
    spdlog::warn("{} ({} similar lines suppressed)", text, suppressed);
  } else {
    spdlog::warn("{}", text);
  }
}

}  // namespace crowdmesh::mesh
