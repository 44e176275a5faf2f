#include "common/local_clock.hpp"

#include "rt/steady_clock.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace crowdmesh {

namespace {
// Written once before the threads that read it start (see inject_local_clock_error).
std::int64_t g_offset_ns = 0;
double g_skew = 0.0;  // fraction, not ppm
std::int64_t g_anchor_raw_ns = 0;
}  // namespace

std::int64_t raw_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

std::int64_t steady_now_ns() noexcept { return rt::steady_now_ns(); }

void inject_local_clock_error(const LocalClockInjection& injection) noexcept {
  const double ppm = std::isfinite(injection.skew_ppm) ? std::clamp(injection.skew_ppm, -1000.0, 1000.0) : 0.0;
  g_offset_ns = injection.offset_ns;
  g_skew = ppm * 1e-6;
  g_anchor_raw_ns = raw_now_ns();
}

std::int64_t local_from_raw(std::int64_t raw_ns) noexcept {
  if (g_skew == 0.0) return raw_ns + g_offset_ns;
  const double drift = static_cast<double>(raw_ns - g_anchor_raw_ns) * g_skew;
  return raw_ns + g_offset_ns + static_cast<std::int64_t>(std::llround(drift));
}

std::int64_t local_now_ns() noexcept { return local_from_raw(raw_now_ns()); }

}  // namespace crowdmesh
