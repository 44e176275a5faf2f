#pragma once
#include <string>
#include <vector>

#include "crowdmesh/v1/stats.pb.h"

namespace crowdmesh::telemetry {

/// The Prometheus text of one node's latest telemetry samples (one per
/// actor), following Prometheus naming (https://prometheus.io/docs/practices/naming/):
/// prefix `crowdmesh_`, base units in names (`_seconds`, `_bytes`), counters
/// ending in `_total`, labels `node`, `deck`, `encoder`, `peer`. Families:
///  - device: `crowdmesh_device_xruns_total`, `_underrun_frames_total`,
///    `_frames_played_total`, `_callbacks_total`, `crowdmesh_device_callback_p50_seconds`,
///    `_p99_seconds`, `_max_seconds` (gauges: promtool reserves `quantile` for
///    summaries), `crowdmesh_device_period_seconds`,
///    `crowdmesh_device_ring_fill_frames`, `crowdmesh_device_ring_capacity_frames`;
///  - mixer: per deck `crowdmesh_deck_playing`, `_position_seconds`, `_rms_dbfs`,
///    `_peak_dbfs`, `_gain_db`, `_reserve_seconds`, `_silent`,
///    `crowdmesh_deck_underrun_frames_total`; master `crowdmesh_master_rms_dbfs`,
///    `_peak_dbfs`, `_momentary_lufs`, `_short_term_lufs`, `_silent`,
///    `crowdmesh_master_limiter_reduction_db`;
///  - tempo: `crowdmesh_tempo_bpm{kind="current"|"target"}`, `crowdmesh_tempo_movement`;
///  - encoder: `crowdmesh_encoder_gaps_total`, `_lost_chunks_total`,
///    `_dropped_chunks_total`, `_backlog_frames`, and per output
///    `crowdmesh_encoder_frames_total`, `_bytes_total`, `_realtime_factor`,
///    `_reconnects_total`, `_sink_up` (1 when open/connected);
///  - links: `crowdmesh_link_up{peer}`, `crowdmesh_link_rtt_seconds{peer}`,
///    `crowdmesh_clock_offset_seconds`;
///  - clock: `crowdmesh_clock_skew_ppm`, `crowdmesh_clock_error_seconds` (NaN
///    before the first probe), `crowdmesh_clock_steps_total`,
///    `crowdmesh_clock_relocks_total`, `crowdmesh_clock_locked`;
///  - process: `crowdmesh_process_cpu_ratio` (1 = one core),
///    `crowdmesh_process_resident_memory_bytes`, `crowdmesh_process_threads`.
/// Thread contract: pure function.
std::string render_node_metrics(const std::string& node, const std::vector<crowdmesh::v1::Telemetry>& samples);

}  // namespace crowdmesh::telemetry
