#include "stretch/samplerate_resampler.hpp"

#include <samplerate.h>

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::stretch {

namespace {

int converter_type(ResamplerQuality q) {
  switch (q) {
    case ResamplerQuality::sinc_best: return SRC_SINC_BEST_QUALITY;
    case ResamplerQuality::sinc_medium: return SRC_SINC_MEDIUM_QUALITY;
    case ResamplerQuality::sinc_fastest: return SRC_SINC_FASTEST;
    case ResamplerQuality::zero_order_hold: return SRC_ZERO_ORDER_HOLD;
    case ResamplerQuality::linear: return SRC_LINEAR;
  }
  return SRC_SINC_MEDIUM_QUALITY;
}

bool ratio_ok(double ratio) { return std::isfinite(ratio) && src_is_valid_ratio(ratio) != 0; }

std::string ratio_range_sentence(double ratio) {
  return "resampling ratio " + std::to_string(ratio) +
         " is outside the allowed range 1/256..256 (output rate / input rate)";
}

}  // namespace

caf::expected<std::unique_ptr<SamplerateResampler>> SamplerateResampler::create(ResamplerQuality quality, int channels,
                                                                                double ratio) {
  try {
    if (channels < 1 || channels > 8)
      return make_error(errc::value_out_of_range,
                        "resampler channel count " + std::to_string(channels) + " is outside the allowed range 1..8");
    if (!ratio_ok(ratio)) return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
    int err = 0;
    SRC_STATE* state = src_new(converter_type(quality), channels, &err);
    if (state == nullptr)
      return make_error(errc::internal,
                        "libsamplerate src_new(" + to_string(quality) + ") failed: " + src_strerror(err));
    std::unique_ptr<SamplerateResampler> r(new SamplerateResampler());
    r->state_ = state;
    r->quality_ = quality;
    r->channels_ = channels;
    r->ratio_ = ratio;
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("creating the resampler failed: ") + e.what());
  }
}

SamplerateResampler::~SamplerateResampler() {
  if (state_ != nullptr) src_delete(static_cast<SRC_STATE*>(state_));
}

caf::expected<SamplerateResampler::Result> SamplerateResampler::process(const float* in, std::size_t in_frames,
                                                                        float* out, std::size_t out_capacity,
                                                                        bool end_of_input) {
  SRC_DATA data{};
  data.data_in = in;
  data.data_out = out;
  data.input_frames = static_cast<long>(in_frames);
  data.output_frames = static_cast<long>(out_capacity);
  data.end_of_input = end_of_input ? 1 : 0;
  data.src_ratio = ratio_;
  const int err = src_process(static_cast<SRC_STATE*>(state_), &data);
  if (err != 0)
    return make_error(errc::internal, std::string("libsamplerate src_process failed: ") + src_strerror(err));
  return Result{static_cast<std::size_t>(data.input_frames_used), static_cast<std::size_t>(data.output_frames_gen)};
}

caf::expected<void> SamplerateResampler::set_ratio(double ratio) {
  if (!ratio_ok(ratio)) return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
  // A step, not libsamplerate's glide across the next call: where the change
  // lands must not depend on how the caller happens to cut its blocks (rooms
  // that change tempo at the same frame must stay sample-aligned). The
  // waveform stays continuous; only the playback rate steps.
  if (src_set_ratio(static_cast<SRC_STATE*>(state_), ratio) != 0)
    return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
  ratio_ = ratio;
  return {};
}

void SamplerateResampler::reset() noexcept { src_reset(static_cast<SRC_STATE*>(state_)); }

}  // namespace crowdmesh::stretch
