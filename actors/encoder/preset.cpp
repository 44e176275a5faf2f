#include "encoder/preset.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

// The codec names used in presets and messages (kept here so presets do not depend on the codecs
// library).
const char* codec_name(Codec c) {
  switch (c) {
    case Codec::opus: return "opus";
    case Codec::flac: return "flac";
    case Codec::mp3: return "mp3";
  }
  return "unknown";
}

const char* const kKeys[] = {"bitrate", "level", "complexity", "compressor", "limiter", "eq", "lufs", "rotate", "name"};
constexpr int kMp3Bitrates[] = {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
constexpr int kOpusMinKbps = 6;
constexpr int kOpusMaxKbps = 510;
constexpr double kMinLufs = -40.0;
constexpr double kMaxLufs = -5.0;
constexpr double kMinRotateSeconds = 10.0;
constexpr double kMaxRotateSeconds = 604800.0;  // one week
constexpr std::size_t kMaxNameLength = 64;

struct Preset {
  const char* name;
  const char* summary;  // one line for describe_presets()
  OutputSettings settings;
};

OutputSettings codec_only(Codec codec, int bitrate_kbps) {
  OutputSettings s;
  s.codec.codec = codec;
  s.codec.bitrate_kbps = bitrate_kbps;
  return s;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = [] {
    std::vector<Preset> t;
    {
      OutputSettings s = codec_only(Codec::opus, 96);
      s.effects.compressor.enabled = true;
      s.effects.compressor.params = {-20.0f, 3.0f, 6.0f, 5.0f, 150.0f, 4.0f};
      s.effects.limiter.enabled = true;
      s.effects.limiter.ceiling_dbfs = -1.0;
      t.push_back({"mobile", "listening on phones and in noisy places", s});
    }
    {
      OutputSettings s = codec_only(Codec::flac, 0);
      s.codec.flac_level = 5;
      t.push_back({"hifi", "lossless archive", s});
    }
    {
      OutputSettings s = codec_only(Codec::mp3, 192);
      s.effects.eq.enabled = true;
      s.effects.compressor.enabled = true;
      s.effects.compressor.params = {-24.0f, 3.0f, 6.0f, 10.0f, 200.0f, 0.0f};
      s.effects.loudness.enabled = true;
      s.effects.loudness.params.target_lufs = -16.0;
      t.push_back({"podcast", "download/podcast players, even loudness", s});
    }
    t.push_back({"opus", "plain Ogg/Opus", codec_only(Codec::opus, 128)});
    {
      OutputSettings s = codec_only(Codec::flac, 0);
      s.codec.flac_level = 5;
      t.push_back({"flac", "plain FLAC", s});
    }
    t.push_back({"mp3", "plain MP3", codec_only(Codec::mp3, 192)});
    for (Preset& p : t) p.settings.name = p.name;
    return t;
  }();
  return table;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string signed_num(double v) { return (v > 0 ? "+" : "") + num(v); }

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

caf::error bad(std::string sentence) { return make_error(errc::value_out_of_range, std::move(sentence)); }

template <typename T>
bool parse_number(const std::string& text, T& out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end && begin != end;
}

caf::expected<int> parse_int(const std::string& key, const std::string& value, int lo, int hi, const char* unit) {
  int v = 0;
  if (!parse_number(value, v)) {
    return bad(key + " value '" + value + "' is not a whole number: must be " + std::to_string(lo) + ".." +
               std::to_string(hi) + unit);
  }
  if (v < lo || v > hi) {
    return bad(key + " " + value + unit + " is out of range: must be " + std::to_string(lo) + ".." +
               std::to_string(hi) + unit);
  }
  return v;
}

caf::expected<bool> parse_switch(const std::string& key, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  return bad(key + " value '" + value + "' is invalid: use " + key + "=on or " + key + "=off");
}

std::string mp3_rates() {
  std::vector<std::string> r;
  for (int b : kMp3Bitrates) r.push_back(std::to_string(b));
  return join(r, ", ");
}

caf::expected<void> apply_bitrate(OutputSettings& s, const std::string& value) {
  const Codec c = s.codec.codec;
  if (c == Codec::flac) return bad("bitrate does not apply to flac (lossless): use level=0..8");
  if (c == Codec::opus) {
    auto v = parse_int("bitrate", value, kOpusMinKbps, kOpusMaxKbps, " kb/s");
    if (!v) return v.error();
    s.codec.bitrate_kbps = *v;
    return caf::unit;
  }
  int v = 0;
  if (!parse_number(value, v) ||
      std::find(std::begin(kMp3Bitrates), std::end(kMp3Bitrates), v) == std::end(kMp3Bitrates)) {
    return bad("bitrate " + value + " kb/s is not an MP3 CBR rate: use one of " + mp3_rates());
  }
  s.codec.bitrate_kbps = v;
  return caf::unit;
}

caf::expected<void> apply(OutputSettings& s, const std::string& key, const std::string& value) {
  const Codec c = s.codec.codec;
  if (key == "bitrate") return apply_bitrate(s, value);
  if (key == "level") {
    if (c != Codec::flac) {
      return bad(std::string("level applies to FLAC only, this output is ") + codec_name(c) + ": use bitrate=KBPS");
    }
    auto v = parse_int("level", value, 0, 8, "");
    if (!v) return v.error();
    s.codec.flac_level = *v;
    return caf::unit;
  }
  if (key == "complexity") {
    if (c == Codec::flac) return bad("complexity does not apply to flac: use level=0..8");
    auto v = parse_int("complexity", value, 0, 10, "");
    if (!v) return v.error();
    s.codec.complexity = *v;
    return caf::unit;
  }
  if (key == "compressor" || key == "limiter" || key == "eq") {
    auto on = parse_switch(key, value);
    if (!on) return on.error();
    if (key == "compressor") s.effects.compressor.enabled = *on;
    if (key == "limiter") s.effects.limiter.enabled = *on;
    if (key == "eq") s.effects.eq.enabled = *on;
    return caf::unit;
  }
  if (key == "lufs") {
    if (value == "off") {
      s.effects.loudness.enabled = false;
      return caf::unit;
    }
    double v = 0;
    if (!parse_number(value, v) || !std::isfinite(v) || v < kMinLufs || v > kMaxLufs) {
      return bad("lufs " + value + " is out of range: must be " + num(kMinLufs) + ".." + num(kMaxLufs) +
                 " LUFS, or off");
    }
    s.effects.loudness.enabled = true;
    s.effects.loudness.params.target_lufs = v;
    return caf::unit;
  }
  if (key == "rotate") {
    double v = 0;
    if (!parse_number(value, v) || !std::isfinite(v) ||
        (v != 0.0 && (v < kMinRotateSeconds || v > kMaxRotateSeconds))) {
      return bad("rotate " + value + " s is out of range: must be 0 (never) or " + num(kMinRotateSeconds) + ".." +
                 num(kMaxRotateSeconds) + " s");
    }
    s.sink.rotate_seconds = v;
    return caf::unit;
  }
  if (key == "name") {
    const bool ok =
        !value.empty() && value.size() <= kMaxNameLength && std::all_of(value.begin(), value.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                 ch == '-' || ch == '.';
        });
    if (!ok) {
      return bad("name '" + value + "' is invalid: use 1.." + std::to_string(kMaxNameLength) +
                 " characters of A-Z a-z 0-9 _ - .");
    }
    s.name = value;
    return caf::unit;
  }
  return bad("unknown key '" + key + "'");  // unreachable: keys are checked by the caller
}

std::string describe_effects(const EffectSettings& e) {
  std::vector<std::string> parts;
  if (e.eq.enabled) {
    std::string eq = "EQ";
    if (e.eq.highpass) eq += " highpass " + num(EqSettings::kHighpassHz) + " Hz,";
    eq += " low shelf " + num(EqSettings::kLowShelfHz) + " Hz " + signed_num(e.eq.low_db) + " dB, " +
          num(EqSettings::kMidHz / 1000.0) + " kHz " + signed_num(e.eq.mid_db) + " dB, high shelf " +
          num(EqSettings::kHighShelfHz / 1000.0) + " kHz " + signed_num(e.eq.high_db) + " dB";
    parts.push_back(eq);
  }
  if (e.compressor.enabled) {
    const dsp::CompressorParams& p = e.compressor.params;
    std::string comp = "compressor " + num(p.threshold_dbfs) + " dBFS " + num(p.ratio) + ":1 knee " + num(p.knee_db) +
                       " dB attack " + num(p.attack_ms) + " ms release " + num(p.release_ms) + " ms";
    if (p.makeup_db != 0.0f) comp += " makeup " + signed_num(p.makeup_db) + " dB";
    parts.push_back(comp);
  }
  if (e.loudness.enabled) {
    parts.push_back("loudness " + num(e.loudness.params.target_lufs) + " LUFS (limiter " +
                    num(e.loudness.params.ceiling_dbfs) + " dBFS)");
  }
  if (e.limiter.enabled) parts.push_back("limiter " + num(e.limiter.ceiling_dbfs) + " dBFS");
  return parts.empty() ? "no effects" : join(parts, "; ");
}

std::string describe_codec(const CodecSettings& c) {
  switch (c.codec) {
    case Codec::opus: return "Ogg/Opus " + std::to_string(c.bitrate_kbps) + " kb/s";
    case Codec::flac: return "FLAC level " + std::to_string(c.flac_level);
    case Codec::mp3: return "MP3 " + std::to_string(c.bitrate_kbps) + " kb/s CBR";
  }
  return codec_name(c.codec);
}

}  // namespace

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Preset& p : presets()) n.push_back(p.name);
    return n;
  }();
  return names;
}

caf::expected<OutputSettings> make_preset(const std::string& spec) {
  const std::vector<std::string> tokens = split(spec, ',');
  const std::string preset = trim(tokens.front());
  const auto& table = presets();
  const auto found = std::find_if(table.begin(), table.end(), [&](const Preset& p) { return preset == p.name; });
  if (found == table.end()) {
    return bad("unknown preset '" + preset + "': use " + join(preset_names(), ", "));
  }
  OutputSettings settings = found->settings;
  std::vector<std::string> seen;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const std::string token = trim(tokens[i]);
    const auto eq = token.find('=');
    if (eq == std::string::npos) {
      return bad("setting '" + token + "' in '" + spec + "' has no value: use KEY=VALUE with a key of " +
                 join(kKeys, ", "));
    }
    const std::string key = trim(token.substr(0, eq));
    const std::string value = trim(token.substr(eq + 1));
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return bad("unknown key '" + key + "' in '" + spec + "': use " + join(kKeys, ", "));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return bad("key '" + key + "' is given twice in '" + spec + "'");
    }
    seen.push_back(key);
    if (auto ok = apply(settings, key, value); !ok) return ok.error();
  }
  return settings;
}

caf::expected<EncodeSpec> parse_encode_spec(const std::string& text) {
  const auto colon = text.find(':');
  const std::string url = colon == std::string::npos ? std::string() : trim(text.substr(colon + 1));
  if (url.empty()) {
    return bad("output '" + text +
               "' has no sink: use PRESET[,KEY=VALUE...]:SINK_URL, e.g. podcast:file:/rec/show.mp3");
  }
  auto output = make_preset(text.substr(0, colon));
  if (!output) return output.error();
  return EncodeSpec{std::move(*output), url};
}

std::string describe_presets() {
  std::string out = "Encoder outputs: PRESET[,KEY=VALUE...]:SINK_URL\n";
  out += "  SINK_URL: file:PATH (strftime fields allowed) or icecast://USER:PASS@HOST:PORT/MOUNT\n\n";
  out += "Presets:\n";
  for (const Preset& p : presets()) {
    char head[64];
    std::snprintf(head, sizeof head, "  %-8s %-20s ", p.name, describe_codec(p.settings.codec).c_str());
    out += head + describe_effects(p.settings.effects) + "  (" + p.summary + ")\n";
  }
  out += "\nKeys (override any preset):\n";
  out += "  bitrate=KBPS      Opus " + std::to_string(kOpusMinKbps) + ".." + std::to_string(kOpusMaxKbps) +
         ", MP3 one of " + mp3_rates() + " (not FLAC)\n";
  out += "  level=0..8        FLAC compression level (FLAC only)\n";
  out += "  complexity=0..10  encoder complexity, 10 = best (Opus, MP3)\n";
  out += "  compressor=on|off compressor (on: " + describe_effects([] {
           EffectSettings e;
           e.compressor.enabled = true;
           return e;
         }()) +
         ")\n";
  out += "  limiter=on|off    limiter (on: " + num(LimiterSettings{}.ceiling_dbfs) + " dBFS)\n";
  out += "  eq=on|off         " + describe_effects([] {
           EffectSettings e;
           e.eq.enabled = true;
           return e;
         }()) +
         "\n";
  out += "  lufs=TARGET|off   loudness normalisation target, " + num(kMinLufs) + ".." + num(kMaxLufs) + " LUFS\n";
  out += "  rotate=SECONDS    file sinks: new file every SECONDS (0 = never, or " + num(kMinRotateSeconds) + ".." +
         num(kMaxRotateSeconds) + ")\n";
  out += "  name=ID           output id (default: the preset name)\n";
  out += "\nExample: podcast,lufs=-18,rotate=3600:file:/rec/show-%Y%m%d-%H%M%S.mp3\n";
  return out;
}

}  // namespace crowdmesh::encoder
