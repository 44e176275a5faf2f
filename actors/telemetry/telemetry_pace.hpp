#pragma once
#include <chrono>

#include "mixer/mixer_status.hpp"

namespace crowdmesh::telemetry {

/// How often the telemetry actor samples: every `interval` while the node does
/// something worth watching live (a deck playing or loading, a test tone, a
/// tempo ramp, an encoder) and someone watches (mesh::TelemetryWatch: an
/// operator's subscription, `control_node top`, a peer's operator), every
/// `idle_interval` otherwise. An idle or unwatched node then wakes its actors
/// once a second instead of ten times (most of an idle node's CPU on a small
/// machine, half of a playing one's at 1024-frame periods), and a sample says
/// within how long the next one comes (Telemetry.next_sample_within_ms), so a
/// listener does not take a quiet node for a stale one.
///
/// Pure; owned by the telemetry actor (one thread).
class TelemetryPace {
 public:
  /// `idle_interval` <= `interval`: always `interval`; `always_busy` (an
  /// encoder runs here): `interval` whenever watched.
  TelemetryPace(std::chrono::milliseconds interval, std::chrono::milliseconds idle_interval, bool always_busy)
      : interval_(interval),
        idle_interval_(idle_interval < interval ? interval : idle_interval),
        always_(always_busy) {}

  /// What the mixer's last status said (see mixer_busy()). Returns true when
  /// this turned an idle node busy: the next sample should come within
  /// interval(), not at the idle tick already scheduled.
  bool set_mixer_busy(bool busy) { return change(mixer_busy_, busy); }
  /// Whether the tempo ramps (TempoReport.ramp_progress < 1). Same return.
  bool set_tempo_busy(bool busy) { return change(tempo_busy_, busy); }
  /// Whether anyone watches the telemetry (MeshGateway::telemetry_watched();
  /// true until told otherwise: a node without a mesh stays watched). Same return.
  bool set_watched(bool watched) { return change(watched_, watched); }

  /// True while the node is sampled at the full rate.
  bool busy() const { return watched_ && (always_ || mixer_busy_ || tempo_busy_); }
  /// Time to the next sample: interval() while busy, else the idle interval.
  std::chrono::milliseconds period() const { return busy() ? interval_ : idle_interval_; }
  /// The full-rate interval.
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  bool change(bool& flag, bool busy) {
    const bool was = this->busy();
    flag = busy;
    return !was && this->busy();
  }
  std::chrono::milliseconds interval_, idle_interval_;
  bool always_;
  // Busy until the first status says otherwise: a node starts at the full rate.
  bool mixer_busy_ = true, tempo_busy_ = false, watched_ = true;
};

/// True when a mixer status shows something to watch: a buffer playing or
/// loading, or a test tone sounding.
bool mixer_busy(const mixer::MixerStatus& status);

}  // namespace crowdmesh::telemetry
