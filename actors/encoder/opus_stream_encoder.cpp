#include "encoder/opus_stream_encoder.hpp"

#include <opus/opusenc.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

// Frames handed to libopusenc per call (bounds the scratch buffer).
constexpr std::size_t kChunkFrames = 4800;

caf::error opus_error(const std::string& what, int code) {
  return make_error(errc::internal, "opus: " + what + " failed: " + ope_strerror(code));
}

struct CommentsDeleter {
  void operator()(OggOpusComments* c) const { ope_comments_destroy(c); }
};

}  // namespace

OpusStreamEncoder::OpusStreamEncoder(PcmFormat format, ByteOutput& out) : format_(format), out_(out) {}

OpusStreamEncoder::~OpusStreamEncoder() {
  if (enc_) ope_encoder_destroy(enc_);
}

caf::expected<std::unique_ptr<OpusStreamEncoder>> OpusStreamEncoder::create(const CodecSettings& settings,
                                                                            PcmFormat format, ByteOutput& out,
                                                                            const StreamMetadata& meta) {
  std::unique_ptr<OggOpusComments, CommentsDeleter> comments(ope_comments_create());
  if (!comments) return make_error(errc::internal, "opus: ope_comments_create failed: out of memory");
  const std::pair<const char*, const std::string*> tags[] = {
      {"TITLE", &meta.title}, {"ARTIST", &meta.artist}, {"ALBUM", &meta.album}};
  for (const auto& [name, value] : tags) {
    if (value->empty()) continue;
    if (int rc = ope_comments_add(comments.get(), name, value->c_str()); rc != OPE_OK)
      return opus_error(std::string("adding the ") + name + " comment", rc);
  }
  std::unique_ptr<OpusStreamEncoder> self(new OpusStreamEncoder(format, out));
  const int family = format.channels <= 2 ? 0 : 1;
  int rc = OPE_OK;
  self->enc_ = ope_encoder_create_pull(comments.get(), static_cast<opus_int32>(format.sample_rate_hz),
                                       static_cast<int>(format.channels), family, &rc);
  if (!self->enc_ || rc != OPE_OK)
    return opus_error("creating an encoder for " + std::to_string(format.sample_rate_hz) + " Hz, " +
                          std::to_string(format.channels) + " channels",
                      rc);
  struct Ctl {
    const char* name;
    int rc;
  };
  const Ctl ctls[] = {
      {"OPUS_SET_BITRATE", ope_encoder_ctl(self->enc_, OPUS_SET_BITRATE(settings.bitrate_kbps * 1000))},
      {"OPUS_SET_COMPLEXITY", ope_encoder_ctl(self->enc_, OPUS_SET_COMPLEXITY(settings.complexity))},
      {"OPUS_SET_SIGNAL", ope_encoder_ctl(self->enc_, OPUS_SET_SIGNAL(OPUS_SIGNAL_MUSIC))},
      {"OPE_SET_DECISION_DELAY", ope_encoder_ctl(self->enc_, OPE_SET_DECISION_DELAY(kDecisionDelaySamples48k))},
      {"OPE_SET_MUXING_DELAY", ope_encoder_ctl(self->enc_, OPE_SET_MUXING_DELAY(kMuxingDelaySamples48k))},
  };
  for (const auto& c : ctls)
    if (c.rc != OPE_OK) return opus_error(c.name, c.rc);
  if (rc = ope_encoder_flush_header(self->enc_); rc != OPE_OK) return opus_error("writing the header", rc);
  if (auto ok = self->write_pages(false); !ok) return std::move(ok.error());
  return self;
}

caf::expected<void> OpusStreamEncoder::usable() const {
  if (finished_) return make_error(errc::internal, "opus: encoder used after finish()");
  return {};
}

caf::expected<void> OpusStreamEncoder::write_pages(bool force) {
  bool refused = false;
  unsigned char* page = nullptr;
  opus_int32 len = 0;
  for (;;) {
    const int got = ope_encoder_get_page(enc_, &page, &len, force ? 1 : 0);
    if (got < 0) return opus_error("ope_encoder_get_page", got);
    if (got == 0) break;
    if (len <= 0) continue;
    if (out_.write(page, static_cast<std::size_t>(len)))
      bytes_out_ += static_cast<std::uint64_t>(len);
    else
      refused = true;
  }
  if (refused) return make_error(errc::io_error, "opus: the output refused encoded Ogg pages");
  return {};
}

caf::expected<void> OpusStreamEncoder::encode(const float* interleaved, std::size_t frames) {
  if (auto ok = usable(); !ok) return ok;
  const std::size_t ch = format_.channels;
  scratch_.resize(std::min(frames, kChunkFrames) * ch);
  bool refused = false;
  for (std::size_t done = 0; done < frames;) {
    const std::size_t n = std::min(frames - done, kChunkFrames);
    const float* src = interleaved + done * ch;
    for (std::size_t i = 0; i < n * ch; ++i) scratch_[i] = std::isfinite(src[i]) ? src[i] : 0.0f;
    if (int rc = ope_encoder_write_float(enc_, scratch_.data(), static_cast<int>(n)); rc != OPE_OK)
      return opus_error("ope_encoder_write_float", rc);
    frames_in_ += n;
    done += n;
    auto ok = write_pages(false);
    if (!ok && error_code(ok.error()) != errc::io_error) return ok;
    refused = refused || !ok;
  }
  if (refused) return make_error(errc::io_error, "opus: the output refused encoded Ogg pages");
  return {};
}

caf::expected<void> OpusStreamEncoder::flush() {
  if (auto ok = usable(); !ok) return ok;
  return write_pages(true);
}

caf::expected<void> OpusStreamEncoder::finish() {
  if (finished_) return {};
  finished_ = true;
  if (int rc = ope_encoder_drain(enc_); rc != OPE_OK) return opus_error("ope_encoder_drain", rc);
  return write_pages(true);
}

}  // namespace crowdmesh::encoder
