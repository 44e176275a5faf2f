#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "mixer/downbeat_switch.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::mixer {

/// Reply to "start together": which decks started and which were not ready
/// when the timeout ran out (with the reason for each).
struct StartReport {
  std::vector<std::string> started;    ///< deck names, e.g. "A"
  std::vector<std::string> not_ready;  ///< "C: buffer 1 on deck C is not ready (loading)"
  std::int64_t scheduled_at_ns = 0;    ///< mesh time the started decks start at (0 = at once)
};

/// Reply to a section switch: the downbeat it happens on and when.
struct SectionSwitch {
  double downbeat_seconds = 0;  ///< file seconds of the downbeat switched on
  double from_seconds = 0;      ///< file position of the buffer when the switch was planned
  std::int64_t at_ns = 0;       ///< mesh time the downbeat reaches the DAC
  /// ns by which the next section's reader came after at_ns (it then switched at
  /// once, late); 0 = on time.
  std::int64_t late_ns = 0;
};

// CAF 0.17 inspectors (message types of the mixer actor).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PlayRegion& x) {
  return f(caf::meta::type_name("PlayRegion"), x.begin_seconds, x.end_seconds, x.loop);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SectionSwitch& x) {
  return f(caf::meta::type_name("SectionSwitch"), x.downbeat_seconds, x.from_seconds, x.at_ns, x.late_ns);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BufferInfo& x) {
  return f(caf::meta::type_name("BufferInfo"), x.path, x.format, x.file_rate_hz, x.file_channels, x.duration_seconds,
           x.start_seconds, x.native_bpm);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BufferStatus& x) {
  return f(caf::meta::type_name("BufferStatus"), x.id, x.state, x.info, x.position_seconds, x.loop, x.gain_db, x.muted,
           x.underrun_frames, x.nonfinite_samples, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DeckStatus& x) {
  return f(caf::meta::type_name("DeckStatus"), x.deck, x.gain_db, x.muted, x.eq_db, x.filter_amount, x.rms_dbfs,
           x.peak_dbfs, x.buffers, x.reserve_seconds, x.stretch_method, x.dsp_nonfinite_samples, x.dsp_resets);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MixerStatus& x) {
  return f(caf::meta::type_name("MixerStatus"), x.master_gain_db, x.decks, x.master_rms_dbfs, x.master_peak_dbfs,
           x.limiter_reduction_db, x.limited_frames, x.frames_rendered, x.underrun_frames, x.master_nonfinite_samples, x.loads_refused, x.load_timeouts,
           x.test_tone_hz, x.test_tone_remaining_seconds);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StartReport& x) {
  return f(caf::meta::type_name("StartReport"), x.started, x.not_ready, x.scheduled_at_ns);
}

}  // namespace crowdmesh::mixer
