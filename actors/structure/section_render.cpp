#include "structure/section_render.hpp"

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "common/error.hpp"
#include "stretch/samplerate_resampler.hpp"
#include "stretch/sndfile_decoder.hpp"
#include "stretch/soundtouch_stretcher.hpp"

namespace crowdmesh::structure {
namespace {

constexpr double kMinSpeed = 0.5;  // the original's ffmpeg atempo range
constexpr double kMaxSpeed = 2.0;
constexpr std::size_t kBlockFrames = 8192;
// SoundTouch with short sequences (30 ms), a narrow seek window (8 ms) and a
// 6 ms overlap: WSOLA moves a transient by at most about the seek window, and
// the defaults (auto: ~80 ms / ~20 ms) put clicks up to 3.3 ms off the beat
// grid at 120 → 126 BPM; these keep them within 1.4 ms
// (tests/unit/structure/section_render_test.cpp, the click track).
const stretch::SoundTouchSettings kBeatAccurate{30, 8, 6, false, true};

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

int sf_format_of(PartFormat f) {
  switch (f) {
    case PartFormat::wav16: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case PartFormat::wav24: return SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    case PartFormat::wav_float: return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    case PartFormat::flac16: return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case PartFormat::flac24: return SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
  }
  return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
}

}  // namespace

caf::expected<PartFormat> parse_part_format(const std::string& text) {
  if (text == "wav") return PartFormat::wav16;
  if (text == "wav24") return PartFormat::wav24;
  if (text == "wavf") return PartFormat::wav_float;
  if (text == "flac") return PartFormat::flac16;
  if (text == "flac24") return PartFormat::flac24;
  return make_error(errc::value_out_of_range,
                    "part format '" + text + "' is not known; allowed: wav, wav24, wavf, flac, flac24");
}

const char* extension_of(PartFormat f) {
  return f == PartFormat::flac16 || f == PartFormat::flac24 ? "flac" : "wav";
}

caf::expected<SectionRenderResult> render_section(const SectionRenderSpec& spec, const RenderProgress& progress) {
  if (!(std::isfinite(spec.speed) && spec.speed >= kMinSpeed && spec.speed <= kMaxSpeed))
    return make_error(errc::value_out_of_range,
                      "speed " + num(spec.speed) + " is out of range; allowed: 0.5..2 (target BPM / track BPM)");
  if (spec.rate_hz != 0 && (spec.rate_hz < 8000 || spec.rate_hz > 384000))
    return make_error(errc::value_out_of_range,
                      "rate " + std::to_string(spec.rate_hz) + " Hz is out of range; allowed: 8000..384000 Hz");
  auto decoder = stretch::SndfileDecoder::open(spec.input);
  if (!decoder) return decoder.error();
  const auto& info = (*decoder)->info();
  const int channels = info.file_channels;
  const int in_rate = info.file_rate_hz;
  const double length_s = static_cast<double>(info.file_frames) / in_rate;
  if (!(std::isfinite(spec.start_s) && std::isfinite(spec.end_s)) || spec.start_s < 0 || spec.end_s <= spec.start_s)
    return make_error(errc::value_out_of_range, info.path + ": section " + num(spec.start_s) + ".." +
                                                    num(spec.end_s) + " s is empty or negative");
  if (spec.end_s > length_s + 0.01)
    return make_error(errc::value_out_of_range, info.path + ": section end " + num(spec.end_s) +
                                                    " s is past the end of the file (" + num(length_s) + " s)");
  const auto first = static_cast<std::int64_t>(std::llround(spec.start_s * in_rate));
  const auto last = std::min<std::int64_t>(static_cast<std::int64_t>(std::llround(spec.end_s * in_rate)),
                                           info.file_frames);
  if (auto ok = (*decoder)->seek(first); !ok) return ok.error();

  stretch::SoundTouchStretcher stretcher(in_rate, channels, kBeatAccurate);
  stretcher.set_tempo(spec.speed);
  const int out_rate = spec.rate_hz == 0 ? in_rate : spec.rate_hz;
  std::unique_ptr<stretch::SamplerateResampler> resampler;
  if (out_rate != in_rate) {
    auto r = stretch::SamplerateResampler::create(stretch::ResamplerQuality::sinc_best, channels,
                                                  static_cast<double>(out_rate) / in_rate);
    if (!r) return r.error();
    resampler = std::move(*r);
  }
  const auto wanted = static_cast<std::int64_t>(
      std::llround(static_cast<double>(last - first) / in_rate / spec.speed * out_rate));

  std::vector<float> stretched;  // the whole section after the stretch, at in_rate
  stretched.reserve(static_cast<std::size_t>((last - first) / spec.speed + kBlockFrames) * channels);
  std::vector<float> block(kBlockFrames * channels);
  auto drain = [&] {
    while (stretcher.available() > 0) {
      const std::size_t n = stretcher.receive(block.data(), kBlockFrames);
      stretched.insert(stretched.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * channels));
    }
  };
  std::int64_t left = last - first;
  while (left > 0) {
    const std::size_t n = (*decoder)->read_frames(block.data(), std::min<std::size_t>(kBlockFrames, left));
    if (n == 0) break;
    stretcher.put(block.data(), n);
    drain();
    left -= static_cast<std::int64_t>(n);
    if (progress) progress(0.9 * static_cast<double>(last - first - left) / static_cast<double>(last - first));
  }
  if ((*decoder)->failed()) return make_error(errc::unreadable_file, (*decoder)->error_message());
  stretcher.flush();
  drain();

  std::vector<float> out;
  if (resampler) {
    out.resize(static_cast<std::size_t>(wanted + 4096) * channels);
    std::size_t in_at = 0, out_at = 0;
    const std::size_t in_total = stretched.size() / channels;
    for (int guard = 0; guard < 1 << 20; ++guard) {
      const bool end = in_at >= in_total;
      if (out.size() / channels - out_at < 4096) out.resize(out.size() + 65536 * channels);
      auto r = resampler->process(stretched.data() + in_at * channels, in_total - in_at,
                                  out.data() + out_at * channels, out.size() / channels - out_at, end);
      if (!r) return r.error();
      in_at += r->input_used;
      out_at += r->output_generated;
      if (end && r->output_generated == 0) break;
    }
    out.resize(out_at * channels);
  } else {
    out = std::move(stretched);
  }
  // Exactly the section's length at the new tempo: pad or trim the filters' last frames.
  out.resize(static_cast<std::size_t>(wanted) * channels, 0.0f);

  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string abs = fs::absolute(spec.output, ec).lexically_normal().string();
  SF_INFO oinfo{};
  oinfo.samplerate = out_rate;
  oinfo.channels = channels;
  oinfo.format = sf_format_of(spec.format);
  SNDFILE* f = sf_open(abs.c_str(), SFM_WRITE, &oinfo);
  if (!f) return make_error(errc::io_error, "cannot write " + abs + ": " + sf_strerror(nullptr));
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t written = sf_writef_float(f, out.data(), wanted);
  const int closed = sf_close(f);
  if (written != wanted || closed != 0) {
    ::unlink(abs.c_str());
    return make_error(errc::io_error, "cannot write " + abs + " (disk full?)");
  }
  if (progress) progress(1.0);
  return SectionRenderResult{wanted, out_rate, channels};
}

}  // namespace crowdmesh::structure
