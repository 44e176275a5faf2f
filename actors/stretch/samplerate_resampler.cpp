#include "stretch/samplerate_resampler.hpp"

#include <samplerate.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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
    r->passthrough_ = r->may_pass_through();
    r->history_.assign(kPrimeFrames * static_cast<std::size_t>(channels), 0.0f);
    r->scratch_.assign(kPrimeFrames * static_cast<std::size_t>(channels), 0.0f);
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("creating the resampler failed: ") + e.what());
  }
}

SamplerateResampler::~SamplerateResampler() {
  if (state_ != nullptr) src_delete(static_cast<SRC_STATE*>(state_));
}

namespace {

caf::expected<SamplerateResampler::Result> run_src(void* state, const float* in, std::size_t in_frames, float* out,
                                                   std::size_t out_capacity, bool end_of_input, double ratio) {
  SRC_DATA data{};
  data.data_in = in;
  data.data_out = out;
  data.input_frames = static_cast<long>(in_frames);
  data.output_frames = static_cast<long>(out_capacity);
  data.end_of_input = end_of_input ? 1 : 0;
  data.src_ratio = ratio;
  const int err = src_process(static_cast<SRC_STATE*>(state), &data);
  if (err != 0)
    return make_error(errc::internal, std::string("libsamplerate src_process failed: ") + src_strerror(err));
  return SamplerateResampler::Result{static_cast<std::size_t>(data.input_frames_used),
                                     static_cast<std::size_t>(data.output_frames_gen)};
}

}  // namespace

bool SamplerateResampler::may_pass_through() const noexcept {
  // The sinc converters are time-aligned (output frame k is input frame k at
  // ratio 1); linear and zero-order hold lag one frame, so a hand-over from a
  // copy would repeat a frame: they always convert (and cost little).
  const bool sinc = quality_ == ResamplerQuality::sinc_best || quality_ == ResamplerQuality::sinc_medium ||
                    quality_ == ResamplerQuality::sinc_fastest;
  return sinc && ratio_ == 1.0;
}

void SamplerateResampler::remember(const float* frames, std::size_t n) noexcept {
  const auto ch = static_cast<std::size_t>(channels_);
  if (n >= kPrimeFrames) {
    std::memcpy(history_.data(), frames + (n - kPrimeFrames) * ch, kPrimeFrames * ch * sizeof(float));
    history_pos_ = 0;
    return;
  }
  const std::size_t first = std::min(n, kPrimeFrames - history_pos_);
  std::memcpy(history_.data() + history_pos_ * ch, frames, first * ch * sizeof(float));
  std::memcpy(history_.data(), frames + first * ch, (n - first) * ch * sizeof(float));
  history_pos_ = (history_pos_ + n) % kPrimeFrames;
}

caf::expected<void> SamplerateResampler::prime() {
  // The history in playing order (oldest first): the converter starts on it
  // as if it had converted every frame, at ratio 1 (output frame k is input
  // frame k, so exactly kPrimeFrames outputs belong to frames already played).
  const auto ch = static_cast<std::size_t>(channels_);
  const std::size_t tail = kPrimeFrames - history_pos_;
  std::memcpy(scratch_.data(), history_.data() + history_pos_ * ch, tail * ch * sizeof(float));
  std::memcpy(scratch_.data() + tail * ch, history_.data(), history_pos_ * ch * sizeof(float));
  src_reset(static_cast<SRC_STATE*>(state_));
  discard_pending_ = kPrimeFrames;
  // libsamplerate copies its input into its own buffer, so scratch_ can take
  // the discarded output once the history is consumed; until then the
  // discarded output goes to history_, no longer needed.
  std::size_t fed = 0;
  while (fed < kPrimeFrames) {
    auto r =
        run_src(state_, scratch_.data() + fed * ch, kPrimeFrames - fed, history_.data(), discard_pending_, false, 1.0);
    if (!r) return std::move(r.error());
    fed += r->input_used;
    discard_pending_ -= r->output_generated;
    if (r->input_used == 0 && r->output_generated == 0) break;
  }
  passthrough_ = false;
  return {};
}

caf::expected<std::size_t> SamplerateResampler::discard_primed(const float* in, std::size_t in_frames,
                                                               bool end_of_input) {
  const auto ch = static_cast<std::size_t>(channels_);
  std::size_t used = 0;
  while (discard_pending_ > 0) {
    auto r = run_src(state_, in + used * ch, in_frames - used, scratch_.data(), discard_pending_, end_of_input, 1.0);
    if (!r) return std::move(r.error());
    used += r->input_used;
    discard_pending_ -= r->output_generated;
    if (r->input_used == 0 && r->output_generated == 0) break;
  }
  if (discard_pending_ == 0 && src_set_ratio(static_cast<SRC_STATE*>(state_), ratio_) != 0)
    return make_error(errc::value_out_of_range, ratio_range_sentence(ratio_));
  return used;
}

caf::expected<SamplerateResampler::Result> SamplerateResampler::process(const float* in, std::size_t in_frames,
                                                                        float* out, std::size_t out_capacity,
                                                                        bool end_of_input) {
  if (passthrough_) {
    const std::size_t n = std::min(in_frames, out_capacity);
    std::memcpy(out, in, n * static_cast<std::size_t>(channels_) * sizeof(float));
    remember(in, n);
    return Result{n, n};
  }
  std::size_t used = 0;
  if (discard_pending_ > 0) {
    auto d = discard_primed(in, in_frames, end_of_input);
    if (!d) return std::move(d.error());
    used = *d;
    if (discard_pending_ > 0) return Result{used, 0};
  }
  auto r = run_src(state_, in + used * static_cast<std::size_t>(channels_), in_frames - used, out, out_capacity,
                   end_of_input, ratio_);
  if (!r) return r;
  r->input_used += used;
  return r;
}

caf::expected<void> SamplerateResampler::set_ratio(double ratio) {
  if (!ratio_ok(ratio)) return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
  if (passthrough_) {
    if (ratio == 1.0) return {};
    if (auto primed = prime(); !primed) return primed;
  }
  ratio_ = ratio;
  // Still discarding primed outputs at ratio 1: the step lands once they are gone.
  if (discard_pending_ > 0) return {};
  // A step, not libsamplerate's glide across the next call: where the change
  // lands must not depend on how the caller happens to cut its blocks (rooms
  // that change tempo at the same frame must stay sample-aligned). The
  // waveform stays continuous; only the playback rate steps.
  if (src_set_ratio(static_cast<SRC_STATE*>(state_), ratio) != 0)
    return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
  ratio_ = ratio;
  return {};
}

void SamplerateResampler::reset() noexcept {
  src_reset(static_cast<SRC_STATE*>(state_));
  passthrough_ = may_pass_through();
  std::fill(history_.begin(), history_.end(), 0.0f);
  history_pos_ = 0;
  discard_pending_ = 0;
}

}  // namespace crowdmesh::stretch
