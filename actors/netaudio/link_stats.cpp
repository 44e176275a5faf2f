#include "netaudio/link_stats.hpp"

#include <algorithm>
#include <cstdlib>

namespace crowdmesh::netaudio {

namespace {
constexpr std::uint32_t kMinSequential = 2;
constexpr std::uint32_t kMaxDropout = 3000;
constexpr std::uint32_t kMaxMisorder = 100;
constexpr std::uint32_t kSeqMod = 1u << 16;
}  // namespace

LinkStatsTracker::LinkStatsTracker(std::uint32_t clock_rate_hz) noexcept : rate_(clock_rate_hz ? clock_rate_hz : 1) {}

void LinkStatsTracker::reset() noexcept { *this = LinkStatsTracker(rate_); }

void LinkStatsTracker::init_sequence(std::uint16_t seq) noexcept {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;  // so seq == bad_seq is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

// RFC 3550 A.1 update_seq().
bool LinkStatsTracker::update_sequence(std::uint16_t seq) noexcept {
  const std::uint16_t udelta = static_cast<std::uint16_t>(seq - max_seq_);
  if (probation_) {
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_sequence(seq);
        ++received_;
        return true;
      }
    } else {
      probation_ = kMinSequential - 1;
      max_seq_ = seq;
    }
    return false;
  }
  if (udelta < kMaxDropout) {
    if (seq < max_seq_) cycles_ += kSeqMod;  // wrapped
    max_seq_ = seq;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    if (seq == bad_seq_) {
      init_sequence(seq);  // two sequential packets after a big jump: the sender restarted
    } else {
      bad_seq_ = (static_cast<std::uint32_t>(seq) + 1) & (kSeqMod - 1);
      return false;
    }
  }
  // else: duplicate or reordered packet
  ++received_;
  return true;
}

bool LinkStatsTracker::on_packet(std::uint16_t sequence, std::uint32_t timestamp, std::int64_t arrival_ns) noexcept {
  if (!seen_) {
    seen_ = true;
    init_sequence(sequence);
    max_seq_ = static_cast<std::uint16_t>(sequence - 1);
    probation_ = kMinSequential;
  }
  if (!update_sequence(sequence)) return false;
  // A.8: arrival in timestamp units, modulo 2^32 like the timestamps themselves.
  const std::int64_t sec = arrival_ns / 1'000'000'000;
  const std::int64_t sub = arrival_ns % 1'000'000'000;
  const auto arrival = static_cast<std::uint32_t>(static_cast<std::uint64_t>(sec) * rate_ +
                                                  static_cast<std::uint64_t>(sub * rate_ / 1'000'000'000));
  const auto transit = static_cast<std::int32_t>(arrival - timestamp);
  if (has_transit_) {
    const std::int64_t d = std::llabs(static_cast<std::int64_t>(transit) - transit_);
    jitter_ += (static_cast<double>(d) - jitter_) / 16.0;
  }
  has_transit_ = true;
  transit_ = transit;
  return true;
}

std::uint8_t LinkStatsTracker::end_interval() noexcept {
  if (!seen_ || probation_) return fraction_ = 0;
  const std::uint64_t expected = cycles_ + static_cast<std::uint64_t>(max_seq_) - base_seq_ + 1;
  const std::int64_t expected_interval = static_cast<std::int64_t>(expected - expected_prior_);
  expected_prior_ = expected;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  fraction_ = (expected_interval == 0 || lost_interval <= 0)
                  ? 0
                  : static_cast<std::uint8_t>(std::min<std::int64_t>(255, (lost_interval << 8) / expected_interval));
  return fraction_;
}

void LinkStatsTracker::fill(LinkStats& out) const noexcept {
  if (!seen_ || probation_) {
    out.extended_highest_sequence = 0;
    out.expected_packets = 0;
    out.received_packets = 0;
    out.cumulative_lost = 0;
  } else {
    out.extended_highest_sequence = cycles_ + static_cast<std::uint64_t>(max_seq_);
    out.expected_packets = out.extended_highest_sequence - base_seq_ + 1;
    out.received_packets = received_;
    out.cumulative_lost = static_cast<std::int64_t>(out.expected_packets) - static_cast<std::int64_t>(received_);
  }
  out.fraction_lost = fraction_;
  out.jitter_timestamp_units = jitter_;
  out.jitter_us = jitter_ * 1e6 / rate_;
}

}  // namespace crowdmesh::netaudio
