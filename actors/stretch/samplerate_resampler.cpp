#include "stretch/samplerate_resampler.hpp"

#include <samplerate.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "common/error.hpp"
#include "dsp/drift_resampler.hpp"

namespace crowdmesh::stretch {

namespace {

int converter_type(ResamplerQuality q) {
  switch (q) {
    case ResamplerQuality::sinc_best: return SRC_SINC_BEST_QUALITY;
    case ResamplerQuality::sinc_medium: return SRC_SINC_MEDIUM_QUALITY;
    case ResamplerQuality::sinc_fastest: return SRC_SINC_FASTEST;
    case ResamplerQuality::zero_order_hold: return SRC_ZERO_ORDER_HOLD;
    case ResamplerQuality::linear: return SRC_LINEAR;
    case ResamplerQuality::polyphase: return SRC_SINC_MEDIUM_QUALITY;  // below kPolyphaseMinRatio
  }
  return SRC_SINC_MEDIUM_QUALITY;
}

bool ratio_ok(double ratio) { return std::isfinite(ratio) && src_is_valid_ratio(ratio) != 0; }

std::string ratio_range_sentence(double ratio) {
  return "resampling ratio " + std::to_string(ratio) +
         " is outside the allowed range 1/256..256 (output rate / input rate)";
}

}  // namespace

// One streaming converter: after restart() output frame 0 sits at input frame
// 0; run() converts at `ratio` (a step from the previous call's ratio) with
// libsamplerate's src_process semantics, end_of_input included.
namespace detail {

class ResamplerConverter {
 public:
  using Result = SamplerateResampler::Result;
  virtual ~ResamplerConverter() = default;
  /// Forgets all history; `ratio` applies from the first output on.
  virtual void restart(double ratio) noexcept = 0;
  /// The ratio steps to `ratio` at the next output (no glide).
  virtual caf::expected<void> step_to(double ratio) noexcept = 0;
  virtual caf::expected<Result> run(const float* in, std::size_t in_frames, float* out, std::size_t out_capacity,
                                    bool end_of_input, double ratio) noexcept = 0;
};

}  // namespace detail

namespace {

using Converter = detail::ResamplerConverter;
using Result = SamplerateResampler::Result;

class SrcConverter final : public Converter {
 public:
  explicit SrcConverter(SRC_STATE* state) : state_(state) {}
  ~SrcConverter() override { src_delete(state_); }

  void restart(double ratio) noexcept override {
    src_reset(state_);
    src_set_ratio(state_, ratio);  // valid: checked by the caller
  }

  caf::expected<void> step_to(double ratio) noexcept override {
    if (src_set_ratio(state_, ratio) != 0) return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
    return {};
  }

  caf::expected<Result> run(const float* in, std::size_t in_frames, float* out, std::size_t out_capacity,
                            bool end_of_input, double ratio) noexcept override {
    SRC_DATA data{};
    data.data_in = in;
    data.data_out = out;
    data.input_frames = static_cast<long>(in_frames);
    data.output_frames = static_cast<long>(out_capacity);
    data.end_of_input = end_of_input ? 1 : 0;
    data.src_ratio = ratio;
    const int err = src_process(state_, &data);
    if (err != 0)
      return make_error(errc::internal, std::string("libsamplerate src_process failed: ") + src_strerror(err));
    return Result{static_cast<std::size_t>(data.input_frames_used), static_cast<std::size_t>(data.output_frames_gen)};
  }

 private:
  SRC_STATE* state_;
};

class PolyphaseConverter final : public Converter {
 public:
  explicit PolyphaseConverter(int channels)
      : drift_(channels), zeros_(kSilenceFrames * static_cast<std::size_t>(channels), 0.0f) {}

  void restart(double) noexcept override {
    drift_.reset();
    fed_ = 0;
    flushing_ = false;
  }

  // The ratio goes with every run(): a step by construction.
  caf::expected<void> step_to(double) noexcept override { return {}; }

  caf::expected<Result> run(const float* in, std::size_t in_frames, float* out, std::size_t out_capacity,
                            bool end_of_input, double ratio) noexcept override {
    Result result;
    if (!flushing_) {
      const auto r = drift_.process(in, in_frames, out, out_capacity, ratio);
      fed_ += static_cast<std::int64_t>(r.input_used);
      result = Result{r.input_used, r.output_generated};
      if (!end_of_input || result.input_used < in_frames) return result;
      flushing_ = true;
    }
    // The tail: every output whose position lies before the end of the input,
    // the filter reading silence past it (as libsamplerate pads its end). One
    // output per call, since each call may take a whole block of silence (so
    // the history past the end holds silence: no more outputs come from it).
    const auto ch = static_cast<std::size_t>(drift_.channels());
    while (result.output_generated < out_capacity && drift_.next_input_frame() < fed_) {
      const auto z = drift_.process(zeros_.data(), kSilenceFrames, out + result.output_generated * ch, 1, ratio);
      if (z.output_generated == 0) break;
      ++result.output_generated;
    }
    return result;
  }

 private:
  // More than the filter reads ahead (DriftResampler::lookahead_frames()).
  static constexpr std::size_t kSilenceFrames = dsp::DriftResampler::kTaps;

  dsp::DriftResampler drift_;
  std::vector<float> zeros_;
  std::int64_t fed_ = 0;   // real input frames since restart()
  bool flushing_ = false;  // silence fed after the end of the input
};

}  // namespace

SamplerateResampler::SamplerateResampler() = default;
SamplerateResampler::~SamplerateResampler() = default;

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
    r->src_ = std::make_unique<SrcConverter>(state);
    if (quality == ResamplerQuality::polyphase) r->polyphase_ = std::make_unique<PolyphaseConverter>(channels);
    r->quality_ = quality;
    r->channels_ = channels;
    r->ratio_ = ratio;
    r->start_converter(ratio, ratio);
    r->passthrough_ = r->may_pass_through();
    r->history_.assign(kPrimeFrames * static_cast<std::size_t>(channels), 0.0f);
    r->scratch_.assign(kPrimeFrames * static_cast<std::size_t>(channels), 0.0f);
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("creating the resampler failed: ") + e.what());
  }
}

bool SamplerateResampler::polyphase_active() const noexcept {
  return active_ != nullptr && active_ == polyphase_.get();
}

void SamplerateResampler::start_converter(double ratio, double first_ratio) noexcept {
  active_ = polyphase_ && ratio >= kPolyphaseMinRatio ? polyphase_.get() : src_.get();
  active_->restart(first_ratio);
  fresh_ = true;
}

bool SamplerateResampler::may_pass_through() const noexcept {
  // The sinc converters and the polyphase filter are time-aligned (output
  // frame k is input frame k at ratio 1); linear and zero-order hold lag one
  // frame, so a hand-over from a copy would repeat a frame: they always
  // convert (and cost little).
  const bool aligned = quality_ == ResamplerQuality::sinc_best || quality_ == ResamplerQuality::sinc_medium ||
                       quality_ == ResamplerQuality::sinc_fastest || quality_ == ResamplerQuality::polyphase;
  return aligned && ratio_ == 1.0;
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

caf::expected<void> SamplerateResampler::prime(double ratio) {
  // The history in playing order (oldest first): the converter starts on it
  // as if it had converted every frame, at ratio 1 (output frame k is input
  // frame k, so exactly kPrimeFrames outputs belong to frames already played).
  const auto ch = static_cast<std::size_t>(channels_);
  const std::size_t tail = kPrimeFrames - history_pos_;
  std::memcpy(scratch_.data(), history_.data() + history_pos_ * ch, tail * ch * sizeof(float));
  std::memcpy(scratch_.data() + tail * ch, history_.data(), history_pos_ * ch * sizeof(float));
  start_converter(ratio, 1.0);  // chosen for the ratio it runs at once primed
  fresh_ = false;
  discard_pending_ = kPrimeFrames;
  // The converters copy their input into their own buffers, so scratch_ can
  // take the discarded output once the history is consumed; until then the
  // discarded output goes to history_, no longer needed.
  std::size_t fed = 0;
  while (fed < kPrimeFrames) {
    auto r = active_->run(scratch_.data() + fed * ch, kPrimeFrames - fed, history_.data(), discard_pending_, false, 1.0);
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
    auto r = active_->run(in + used * ch, in_frames - used, scratch_.data(), discard_pending_, end_of_input, 1.0);
    if (!r) return std::move(r.error());
    used += r->input_used;
    discard_pending_ -= r->output_generated;
    if (r->input_used == 0 && r->output_generated == 0) break;
  }
  if (discard_pending_ == 0)
    if (auto s = active_->step_to(ratio_); !s) return std::move(s.error());
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
  fresh_ = false;
  std::size_t used = 0;
  if (discard_pending_ > 0) {
    auto d = discard_primed(in, in_frames, end_of_input);
    if (!d) return std::move(d.error());
    used = *d;
    if (discard_pending_ > 0) return Result{used, 0};
  }
  auto r = active_->run(in + used * static_cast<std::size_t>(channels_), in_frames - used, out, out_capacity,
                        end_of_input, ratio_);
  if (!r) return r;
  r->input_used += used;
  return r;
}

caf::expected<void> SamplerateResampler::set_ratio(double ratio) {
  if (!ratio_ok(ratio)) return make_error(errc::value_out_of_range, ratio_range_sentence(ratio));
  if (passthrough_) {
    if (ratio == 1.0) return {};
    if (auto primed = prime(ratio); !primed) return primed;
  } else if (fresh_) {
    // Nothing converted since the converter started: pick it again for this ratio.
    start_converter(ratio, ratio);
  }
  ratio_ = ratio;
  // Still discarding primed outputs at ratio 1: the step lands once they are gone.
  if (discard_pending_ > 0) return {};
  // A step, not libsamplerate's glide across the next call: where the change
  // lands must not depend on how the caller happens to cut its blocks (rooms
  // that change tempo at the same frame must stay sample-aligned). The
  // waveform stays continuous; only the playback rate steps.
  return active_->step_to(ratio);
}

void SamplerateResampler::reset() noexcept {
  start_converter(ratio_, ratio_);
  passthrough_ = may_pass_through();
  std::fill(history_.begin(), history_.end(), 0.0f);
  history_pos_ = 0;
  discard_pending_ = 0;
}

}  // namespace crowdmesh::stretch
