#pragma once
#include <cstdint>

namespace crowdmesh::netaudio {

/// Frames in a span of `ns` nanoseconds at `rate_hz` (> 0), rounded to the
/// nearest frame (halves away from zero). Exact for any 64-bit span: the
/// product is taken in 128 bits. Wait-free.
inline __int128 frames_in_ns(__int128 ns, std::int64_t rate_hz) noexcept {
  const __int128 num = ns * rate_hz;
  const __int128 half = 500'000'000;
  return num >= 0 ? (num + half) / 1'000'000'000 : -((-num + half) / 1'000'000'000);
}

/// Nanoseconds of `frames` frames at `rate_hz` (> 0), rounded to the nearest ns. Wait-free.
inline __int128 ns_in_frames(__int128 frames, std::int64_t rate_hz) noexcept {
  const __int128 num = frames * 1'000'000'000;
  const __int128 half = rate_hz / 2;
  return num >= 0 ? (num + half) / rate_hz : -((-num + half) / rate_hz);
}

/// Saturates a 128-bit value to the int64 range.
inline std::int64_t clamp_i64(__int128 v) noexcept {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

/// `pts_ns` moved `frames` frames later on the mesh grid (frame m has PTS
/// round(m × 1e9 / rate)): the PTS of grid frame m + frames when `pts_ns` is
/// that of grid frame m, so shifted blocks stay on the grid exactly; an
/// off-grid `pts_ns` keeps its offset. Saturates at the int64 range. Wait-free.
inline std::int64_t shift_pts_by_frames(std::int64_t pts_ns, std::int64_t frames, std::int64_t rate_hz) noexcept {
  const __int128 m = frames_in_ns(pts_ns, rate_hz);
  return clamp_i64(static_cast<__int128>(pts_ns) + ns_in_frames(m + frames, rate_hz) - ns_in_frames(m, rate_hz));
}

}  // namespace crowdmesh::netaudio
