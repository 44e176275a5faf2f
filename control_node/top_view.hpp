#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "crowdmesh/v1/stats.pb.h"

namespace crowdmesh::control {

/// How render_top() draws the mesh.
struct TopStyle {
  /// Maximum width of every line, in terminal columns (one column per UTF-8
  /// code point; ANSI escapes take none). Values below 1 are treated as 1.
  int width = 100;
  /// Colour the view with ANSI SGR escapes (red: xruns, DEAD, failed sinks,
  /// clipping; yellow: STALE, backoff, silence; green: ALIVE, connected).
  /// When false the text holds no escape byte at all.
  bool color = true;
  /// First words of the header line; "crowdmesh top" when empty.
  std::string title;
};

/// The whole snapshot as one JSON object for scripts (`control_node top
/// --once --json`):
/// {"interval_ms", "nodes": [{"node", "alive", "stale", "age_ms", "roles",
///  "samples", "device", "decks", "master", "tempo", "clock", "encoder",
///  "links", "link_counters", "clock_offset_ms", "process"}]}.
/// Every field of every telemetry message is present, named with its unit
/// (`callback_p99_pct` = callback_p99_us / period_us × 100, `clock_offset_ms`,
/// `rtt_ms`, `rss_bytes`, ...). A kind of telemetry the node did not publish is
/// null ("decks" and "links" are then empty arrays), so that "not running
/// here" differs from zero; a callback percentage with period_us = 0 is null.
/// Non-finite levels (−inf dBFS) come out as null. Pure; thread-safe.
nlohmann::json top_json(const crowdmesh::v1::TelemetrySnapshot& snap);

/// The live terminal view of a snapshot: a header line (title, newest mesh
/// time, node count, publishing interval), then one section per node (state
/// ALIVE/STALE/DEAD and roles; device, decks with level bars, master, tempo,
/// clock, encoder outputs, links, process). Every line ends in '\n' and is at
/// most style.width columns: file names, targets and errors are shortened with
/// "…", and anything still too long is cut with "…". Control bytes coming from
/// the snapshot (file names, errors) are shown as '?'. Pure; thread-safe.
std::string render_top(const crowdmesh::v1::TelemetrySnapshot& snap, const TopStyle& style);

/// A duration as the view shows it, rounded to 0.1 s: "1:23.4", "0:05.0",
/// "1:02:03.4" from one hour on, a leading '-' when negative, "-:--.-" when
/// not finite.
std::string format_duration(double seconds);

/// A level meter of exactly `cells` characters ('#' lit, '-' unlit; "" when
/// cells <= 0) mapping −60..0 dBFS linearly onto the cells, rounded to the
/// nearest cell: −inf, NaN and anything at or below −60 dBFS give an unlit
/// bar, 0 dBFS and above a fully lit one.
std::string level_bar(double dbfs, int cells);

}  // namespace crowdmesh::control
