#pragma once
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "encoder/effect_chain.hpp"
#include "encoder/sink.hpp"
#include "encoder/stream_encoder.hpp"

namespace crowdmesh::encoder {

/// Everything an encoder output needs apart from its sink URL.
struct OutputSettings {
  std::string name;  ///< output id (stats, logs, control commands); defaults to the preset name
  CodecSettings codec;
  EffectSettings effects;
  SinkOptions sink;
};

/// One output as given on the command line: settings plus where the stream goes.
struct EncodeSpec {
  OutputSettings output;
  std::string sink_url;  ///< `file:PATH` or `icecast://USER:PASS@HOST:PORT/MOUNT` (checked by make_sink())
};

/// Names of the presets in the order they are documented: mobile, hifi, podcast, opus, flac, mp3.
const std::vector<std::string>& preset_names();

/// Builds an output's settings from `PRESET[,KEY=VALUE...]` (no spaces needed; spaces around
/// tokens are ignored). Presets (docs/ENCODERS.md):
///   mobile   Ogg/Opus 96 kb/s, compressor (−20 dBFS, 3:1, knee 6 dB, 5/150 ms, +4 dB) + limiter −1 dBFS
///   hifi     FLAC level 5, no effects
///   podcast  MP3 192 kb/s CBR, EQ (EqSettings defaults), compressor (−24 dBFS, 3:1, knee 6 dB,
///            10/200 ms), loudness normalisation to −16 LUFS (limiter −1 dBFS inside)
///   opus     Ogg/Opus 128 kb/s, no effects
///   flac     FLAC level 5, no effects
///   mp3      MP3 192 kb/s CBR, no effects
/// Keys (each at most once; every key applies to every preset unless noted):
///   bitrate=KBPS      Opus 6..510, MP3 one of 32 40 48 56 64 80 96 112 128 160 192 224 256 320
///                     (not FLAC)
///   level=0..8        FLAC compression level (FLAC only)
///   complexity=0..10  encoder complexity (Opus, MP3)
///   compressor=on|off, limiter=on|off, eq=on|off
///                     switch a stage; "on" for a preset without it uses the stage's defaults
///                     (CompressorParams, −1 dBFS ceiling, EqSettings)
///   lufs=-40..-5|off  loudness normalisation target in LUFS, or off
///   rotate=SECONDS    file sinks: a new file every SECONDS (0 = never, else 10..604800)
///   name=ID           output id: 1..64 of A-Z a-z 0-9 _ - .
/// Errors (errc::value_out_of_range), each naming the thing:
///   "unknown preset 'mobil': use mobile, hifi, podcast, opus, flac, mp3";
///   "unknown key 'bitrat' in 'opus,bitrat=96': use bitrate, level, ..."; a bad value with the
///   value and its allowed range ("bitrate 600 kb/s is out of range: must be 6..510 kb/s");
///   a key that does not apply to the codec; a key given twice; a token without '='.
caf::expected<OutputSettings> make_preset(const std::string& spec);

/// Parses the command-line form `PRESET[,KEY=VALUE...]:SINK_URL`, split at the first ':'
/// (e.g. `podcast,lufs=-18:file:/rec/%Y%m%d-%H%M%S.mp3`, `mobile:icecast://source:pw@host:8000/live`).
/// Only checks that the sink URL is non-empty; make_sink() validates it.
/// Errors: as make_preset(); errc::value_out_of_range when the ':' or the URL is missing.
caf::expected<EncodeSpec> parse_encode_spec(const std::string& text);

/// A human-readable table of the presets, their codec and effect settings and the override keys
/// (for --help and the docs), generated from the preset definitions. Ends with a newline.
std::string describe_presets();

}  // namespace crowdmesh::encoder
