#include "encoder/encoder_output.hpp"
#include "common/local_clock.hpp"

#include <ctime>

#include "common/error.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::encoder {

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

EncoderOutput::EncoderOutput(EncodeSpec spec, std::unique_ptr<Sink> sink)
    : spec_(std::move(spec)), sink_(std::move(sink)) {}

EncoderOutput::~EncoderOutput() { close(); }

caf::expected<std::unique_ptr<EncoderOutput>> EncoderOutput::create(const EncodeSpec& spec) {
  auto sink = make_sink(spec.sink_url, spec.output.codec.codec, spec.output.sink);
  if (!sink) return sink.error();
  return std::unique_ptr<EncoderOutput>(new EncoderOutput(spec, std::move(*sink)));
}

void EncoderOutput::fail(const caf::error& e) {
  ++errors_;
  failed_ = true;
  failed_at_ns_ = now_ns_ ? now_ns_ : steady_now_ns();
  const auto sentence = "encoder output " + spec_.output.name + ": " + error_sentence(e);
  if (sentence != last_error_) spdlog::error("{} (retrying every {:.0f} s)", sentence, kRetrySeconds);
  last_error_ = sentence;
}

caf::expected<void> EncoderOutput::begin() {
  StreamInfo info;
  info.codec = spec_.output.codec.codec;
  info.format = *format_;
  info.bitrate_kbps = info.codec == Codec::flac ? 0 : spec_.output.codec.bitrate_kbps;
  info.title = title_;
  if (auto ok = sink_->begin_stream(info); !ok) return ok.error();
  StreamMetadata meta;
  meta.title = title_;
  meta.album = spec_.output.sink.stream_name;
  auto codec = make_stream_encoder(spec_.output.codec, *format_, *sink_, meta);
  if (!codec) {
    sink_->end_stream();
    return codec.error();
  }
  codec_ = std::move(*codec);
  ++streams_;
  last_flush_ns_ = now_ns_;
  return caf::unit;
}

void EncoderOutput::end() {
  if (!codec_) return;
  if (auto ok = codec_->finish(); !ok) fail(ok.error());
  bytes_done_ += codec_->bytes_out();
  codec_.reset();
  sink_->end_stream();
}

caf::expected<void> EncoderOutput::open(PcmFormat format, const std::string& title) {
  end();
  format_ = format;
  title_ = title;
  closed_ = false;
  auto chain = make_effect_chain(spec_.output.effects, format);
  if (!chain) {
    fail(chain.error());
    return chain.error();
  }
  effects_.emplace(std::move(*chain));
  if (auto ok = begin(); !ok) {
    fail(ok.error());
    return ok.error();
  }
  failed_ = false;
  return caf::unit;
}

void EncoderOutput::write(const float* interleaved, std::size_t frames) {
  if (!codec_ || failed_ || !format_) return;
  const double t0 = thread_cpu_seconds();
  const float* pcm = interleaved;
  if (effects_ && effects_->settings().any()) {  // effects work in place: on a copy
    scratch_.assign(interleaved, interleaved + frames * format_->channels);
    effects_->process(scratch_.data(), frames);
    pcm = scratch_.data();
  }
  if (auto ok = codec_->encode(pcm, frames); !ok) fail(ok.error());
  frames_in_ += frames;
  cpu_seconds_ += thread_cpu_seconds() - t0;
}

void EncoderOutput::restart() {
  if (!format_ || closed_) return;
  end();
  if (auto ok = begin(); !ok) fail(ok.error());
}

void EncoderOutput::tick(std::int64_t now_ns) {
  now_ns_ = now_ns;
  if (closed_ || !format_) return;
  if (failed_) {
    if (static_cast<double>(now_ns - failed_at_ns_) * 1e-9 < kRetrySeconds) return;
    codec_.reset();
    sink_->end_stream();
    if (auto ok = begin(); ok) {
      failed_ = false;
      spdlog::info("encoder output {}: writing again to {}", spec_.output.name, sink_->status().target);
    } else {
      fail(ok.error());
    }
    return;
  }
  if (codec_ && static_cast<double>(now_ns - last_flush_ns_) * 1e-9 >= kFlushSeconds) {
    if (auto ok = codec_->flush(); !ok) fail(ok.error());
    last_flush_ns_ = now_ns;
  }
  sink_->poll();
  if (sink_->wants_new_stream()) restart();
}

void EncoderOutput::set_title(const std::string& title) {
  if (title == title_) return;
  title_ = title;
  sink_->set_title(title);
}

void EncoderOutput::close() {
  if (closed_) return;
  if (codec_ && failed_) {
    codec_.reset();
    sink_->end_stream();
  }
  end();
  closed_ = true;
}

OutputStats EncoderOutput::stats() const {
  OutputStats s;
  s.name = spec_.output.name;
  s.codec = to_string(spec_.output.codec.codec);
  s.bitrate_kbps = spec_.output.codec.codec == Codec::flac ? 0 : spec_.output.codec.bitrate_kbps;
  s.sink = sink_->status();
  s.frames_in = frames_in_;
  s.bytes_out = bytes_done_ + (codec_ ? codec_->bytes_out() : 0);
  if (cpu_seconds_ > 0 && format_)
    s.realtime_factor = static_cast<double>(frames_in_) / format_->sample_rate_hz / cpu_seconds_;
  s.streams = streams_;
  s.errors = errors_;
  s.last_error = last_error_;
  return s;
}

}  // namespace crowdmesh::encoder
