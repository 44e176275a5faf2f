#include "encoder/flac_stream_encoder.hpp"

#include <FLAC/metadata.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

// Frames converted and handed to libFLAC per call (bounds the scratch buffer).
constexpr std::size_t kChunkFrames = 4096;
constexpr double kFullScale = 8388608.0;  // 2^(24−1)

FLAC__int32 to_int24(float x) {
  if (std::isnan(x)) return 0;
  const double v = std::clamp(static_cast<double>(x) * kFullScale, -kFullScale, kFullScale - 1.0);
  return static_cast<FLAC__int32>(std::lrint(v));
}

}  // namespace

FlacStreamEncoder::FlacStreamEncoder(PcmFormat format, ByteOutput& out) : format_(format), out_(out) {}

FlacStreamEncoder::~FlacStreamEncoder() {
  // FLAC__stream_encoder_delete() finishes an unfinished stream; the output
  // must outlive this object (StreamEncoder contract), so that is safe.
  if (enc_) FLAC__stream_encoder_delete(enc_);
  for (auto* m : metadata_) FLAC__metadata_object_delete(m);
}

caf::error FlacStreamEncoder::state_error(const char* what) const {
  const FLAC__StreamEncoderState st = FLAC__stream_encoder_get_state(enc_);
  return make_error(errc::internal, std::string("flac: ") + what + " failed: " + FLAC__StreamEncoderStateString[st]);
}

caf::expected<std::unique_ptr<FlacStreamEncoder>> FlacStreamEncoder::create(const CodecSettings& settings,
                                                                            PcmFormat format, ByteOutput& out,
                                                                            const StreamMetadata& meta) {
  std::unique_ptr<FlacStreamEncoder> self(new FlacStreamEncoder(format, out));
  self->enc_ = FLAC__stream_encoder_new();
  if (!self->enc_) return make_error(errc::internal, "flac: FLAC__stream_encoder_new failed: out of memory");
  FLAC__StreamEncoder* e = self->enc_;
  bool ok = FLAC__stream_encoder_set_channels(e, format.channels) &&
            FLAC__stream_encoder_set_bits_per_sample(e, kBitsPerSample) &&
            FLAC__stream_encoder_set_sample_rate(e, format.sample_rate_hz) &&
            FLAC__stream_encoder_set_compression_level(e, static_cast<unsigned>(settings.flac_level));
  if (!ok) return self->state_error("configuring the encoder");
  // Keep a block (the audio held back between flushes) within kMaxBlockMs at
  // low rates; the presets' 4096/1152 frames already fit at 44.1/48 kHz.
  const auto max_block = static_cast<std::uint32_t>(
      std::max<std::uint64_t>(256, std::uint64_t{format.sample_rate_hz} * kMaxBlockMs / 1000 / 64 * 64));
  std::uint32_t block = FLAC__stream_encoder_get_blocksize(e);
  if (block == 0)  // libFLAC 1.4 presets leave it to init: 1152 without LPC (levels 0..2), else 4096
    block = FLAC__stream_encoder_get_max_lpc_order(e) == 0 ? 1152 : 4096;
  if (block > max_block && !FLAC__stream_encoder_set_blocksize(e, max_block))
    return self->state_error("setting the block size");

  if (out.seekable()) {
    FLAC__StreamMetadata* table = FLAC__metadata_object_new(FLAC__METADATA_TYPE_SEEKTABLE);
    if (!table) return make_error(errc::internal, "flac: creating the seek table failed: out of memory");
    self->metadata_.push_back(table);
    if (!FLAC__metadata_object_seektable_template_append_placeholders(table, kSeekPoints))
      return make_error(errc::internal, "flac: creating the seek table failed: out of memory");
    self->seek_table_ = table;
  }
  const std::pair<const char*, const std::string*> tags[] = {
      {"TITLE", &meta.title}, {"ARTIST", &meta.artist}, {"ALBUM", &meta.album}};
  FLAC__StreamMetadata* comments = nullptr;
  for (const auto& [name, value] : tags) {
    if (value->empty()) continue;
    if (!comments) {
      comments = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
      if (!comments) return make_error(errc::internal, "flac: creating the comment block failed: out of memory");
      self->metadata_.push_back(comments);
    }
    FLAC__StreamMetadata_VorbisComment_Entry entry;
    if (!FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&entry, name, value->c_str()) ||
        !FLAC__metadata_object_vorbiscomment_append_comment(comments, entry, /*copy=*/false))
      return make_error(errc::internal,
                        std::string("flac: adding the ") + name + " comment failed (out of memory or not UTF-8)");
  }
  if (!self->metadata_.empty() &&
      !FLAC__stream_encoder_set_metadata(e, self->metadata_.data(), static_cast<uint32_t>(self->metadata_.size())))
    return self->state_error("setting the metadata blocks");

  const FLAC__StreamEncoderInitStatus st =
      FLAC__stream_encoder_init_stream(e, &write_cb, &seek_cb, &tell_cb, nullptr, self.get());
  if (self->refused_) return make_error(errc::io_error, "flac: the output refused the stream header");
  if (st != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
    if (st == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR) return self->state_error("initialising the encoder");
    return make_error(errc::internal,
                      std::string("flac: initialising the encoder failed: ") + FLAC__StreamEncoderInitStatusString[st]);
  }
  self->next_seek_sample_ = 0;
  return self;
}

FLAC__StreamEncoderWriteStatus FlacStreamEncoder::write_cb(const FLAC__StreamEncoder*, const FLAC__byte buffer[],
                                                           size_t bytes, uint32_t samples, uint32_t, void* client) {
  auto* self = static_cast<FlacStreamEncoder*>(client);
  if (samples > 0) {  // an audio frame (metadata is written with samples == 0)
    const std::uint64_t pos = self->out_.tell();
    if (!self->audio_started_) {
      self->audio_started_ = true;
      self->audio_offset_ = pos;
    }
    auto* table = self->seek_table_;
    const std::uint64_t frame_end = self->samples_written_ + samples;
    if (table && !self->rewriting_ && self->seek_points_used_ < kSeekPoints && frame_end > self->next_seek_sample_) {
      // Fill the table front to back: filled points stay sorted, the remaining
      // placeholders stay at the end, so the table libFLAC holds is legal at
      // any time and is written back as is by FLAC__stream_encoder_finish().
      FLAC__StreamMetadata_SeekPoint& p = table->data.seek_table.points[self->seek_points_used_++];
      p.sample_number = self->samples_written_;
      p.stream_offset = pos - self->audio_offset_;
      p.frame_samples = samples;
      const std::uint64_t spacing = std::uint64_t{kSeekPointSpacingSeconds} * self->format_.sample_rate_hz;
      while (self->next_seek_sample_ < frame_end) self->next_seek_sample_ += spacing;
    }
    self->samples_written_ = frame_end;
  }
  // A refused write is reported by encode()/finish(); libFLAC goes on (the
  // ByteOutput keeps the reason, and a sink may drop bytes while reconnecting).
  if (self->out_.write(buffer, bytes)) {
    if (!self->rewriting_) self->bytes_out_ += bytes;
  } else {
    self->refused_ = true;
  }
  return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

FLAC__StreamEncoderSeekStatus FlacStreamEncoder::seek_cb(const FLAC__StreamEncoder*, FLAC__uint64 offset,
                                                         void* client) {
  auto* self = static_cast<FlacStreamEncoder*>(client);
  if (!self->out_.seekable()) return FLAC__STREAM_ENCODER_SEEK_STATUS_UNSUPPORTED;
  self->rewriting_ = true;
  if (self->out_.seek(offset)) return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
  self->refused_ = true;
  return FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR;
}

FLAC__StreamEncoderTellStatus FlacStreamEncoder::tell_cb(const FLAC__StreamEncoder*, FLAC__uint64* offset,
                                                         void* client) {
  auto* self = static_cast<FlacStreamEncoder*>(client);
  if (!self->out_.seekable()) return FLAC__STREAM_ENCODER_TELL_STATUS_UNSUPPORTED;
  *offset = self->out_.tell();
  return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}

caf::expected<void> FlacStreamEncoder::take_refusal() {
  if (!refused_) return {};
  refused_ = false;
  return make_error(errc::io_error, "flac: the output refused encoded bytes");
}

caf::expected<void> FlacStreamEncoder::encode(const float* interleaved, std::size_t frames) {
  if (finished_) return make_error(errc::internal, "flac: encoder used after finish()");
  const std::size_t ch = format_.channels;
  scratch_.resize(std::min(frames, kChunkFrames) * ch);
  for (std::size_t done = 0; done < frames;) {
    const std::size_t n = std::min(frames - done, kChunkFrames);
    const float* src = interleaved + done * ch;
    for (std::size_t i = 0; i < n * ch; ++i) scratch_[i] = to_int24(src[i]);
    if (!FLAC__stream_encoder_process_interleaved(enc_, scratch_.data(), static_cast<uint32_t>(n)))
      return state_error("FLAC__stream_encoder_process_interleaved");
    frames_in_ += n;
    done += n;
  }
  return take_refusal();
}

caf::expected<void> FlacStreamEncoder::flush() {
  if (finished_) return make_error(errc::internal, "flac: encoder used after finish()");
  return take_refusal();
}

caf::expected<void> FlacStreamEncoder::finish() {
  if (finished_) return {};
  finished_ = true;
  const bool ok = FLAC__stream_encoder_finish(enc_);
  if (refused_) {
    refused_ = false;
    return make_error(errc::io_error, "flac: the output refused the last frame or the header rewrite at finish");
  }
  if (!ok) return state_error("FLAC__stream_encoder_finish");
  return {};
}

}  // namespace crowdmesh::encoder
