#include "encoder/encoder_pipeline.hpp"

#include "common/error.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::encoder {

caf::expected<std::unique_ptr<EncoderPipeline>> EncoderPipeline::create(const std::vector<EncodeSpec>& specs,
                                                                        std::string source_name) {
  if (specs.empty())
    return make_error(errc::value_out_of_range, "an encoder needs at least one output (--encode PRESET:SINK)");
  std::unique_ptr<EncoderPipeline> p(new EncoderPipeline());
  p->source_ = std::move(source_name);
  for (const auto& s : specs) {
    auto out = EncoderOutput::create(s);
    if (!out) return out.error();
    p->outputs_.push_back(std::move(*out));
  }
  return p;
}

void EncoderPipeline::on_format(PcmFormat format) {
  spdlog::info("encoder: stream {} is {} Hz, {} channel(s): opening {} output(s)", stream_id_, format.sample_rate_hz,
               format.channels, outputs_.size());
  for (auto& o : outputs_) (void)o->open(format, title_);  // failures are kept by the output and retried
}

void EncoderPipeline::on_restart() {
  spdlog::warn("encoder: stream {} restarted: new files/streams", stream_id_);
  for (auto& o : outputs_) o->restart();
}

void EncoderPipeline::on_audio(const float* interleaved, std::size_t frames) {
  frames_in_ += frames;
  for (auto& o : outputs_) o->write(interleaved, frames);
}

void EncoderPipeline::push(const StreamChunk& chunk) {
  if (stopped_) return;
  if (stream_id_.empty()) {
    stream_id_ = chunk.stream_id;
    spdlog::info("encoder: joined stream {} at block {} (frame {})", stream_id_, chunk.sequence,
                 chunk.block.first_frame);
  }
  if (chunk.title != title_) {
    title_ = chunk.title;
    for (auto& o : outputs_) o->set_title(title_);
  }
  sequencer_.push(chunk, *this);
}

void EncoderPipeline::tick(std::int64_t now_ns) {
  for (auto& o : outputs_) o->tick(now_ns);
}

void EncoderPipeline::stop() {
  if (stopped_) return;
  sequencer_.flush(*this);
  for (auto& o : outputs_) o->close();
  stopped_ = true;
}

EncoderStats EncoderPipeline::stats() const {
  EncoderStats s;
  s.stream_id = stream_id_;
  s.source = source_;
  if (sequencer_.has_format())
    s.format = sequencer_.format();
  else
    s.format = PcmFormat{0, 0};
  s.title = title_;
  const auto& c = sequencer_.counters();
  s.chunks = c.chunks;
  s.frames_in = frames_in_;
  s.gaps = c.gaps;
  s.lost_chunks = c.lost_chunks;
  s.concealed_frames = c.concealed_frames;
  s.late_chunks = c.late_chunks;
  s.format_changes = c.format_changes;
  s.restarts = c.restarts;
  s.nonfinite_samples = c.nonfinite_samples;
  for (const auto& o : outputs_) s.outputs.push_back(o->stats());
  return s;
}

}  // namespace crowdmesh::encoder
