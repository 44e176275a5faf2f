#pragma once
#include <algorithm>
#include <cstdint>

namespace crowdmesh::osc {

/// How many OSC replies the bridge may send: a token bucket refilled at
/// `rate_per_s` up to `burst`. OSC runs over UDP, so a sender's address can
/// be forged: without a budget every bundle element would make the node send
/// a reply to a victim (a ~10× amplifier). The budget is for the whole
/// bridge, not per address, since forged addresses vary. Pure; not
/// thread-safe (the bridge calls it under its lock).
class ReplyBudget {
 public:
  /// `rate_per_s` > 0 replies a second on average, bursts of up to `burst` ≥ 1.
  ReplyBudget(double rate_per_s, double burst) : rate_per_ns_(rate_per_s * 1e-9), burst_(burst), tokens_(burst) {}

  /// True when a reply may be sent at steady time `now_ns` (it uses one token).
  bool take(std::int64_t now_ns) {
    if (last_ns_ != 0 && now_ns > last_ns_)
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_per_ns_);
    last_ns_ = now_ns;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_per_ns_;
  double burst_;
  double tokens_;
  std::int64_t last_ns_ = 0;
};

/// The bridge's reply budget: 200 replies a second, bursts of 400 (an
/// operator's tool or the movement detector sends far fewer).
inline constexpr double kRepliesPerSecond = 200;
inline constexpr double kReplyBurst = 400;

}  // namespace crowdmesh::osc
