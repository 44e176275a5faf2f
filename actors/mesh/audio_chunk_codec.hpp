#pragma once
#include <string>

#include "caf/expected.hpp"
#include "common/stream_chunk.hpp"
#include "crowdmesh/v1/audio.pb.h"

namespace crowdmesh::mesh {

/// Largest chunk accepted from the wire: frames and channels (a block is one
/// mixer render, normally one device period).
constexpr std::uint32_t kMaxChunkFrames = 16384;
constexpr std::uint32_t kMaxChunkChannels = 32;

/// The wire form of a stream chunk: 32-bit float little-endian samples
/// (SAMPLE_FORMAT_F32LE), interleaved. Thread-safe (pure).
crowdmesh::v1::AudioChunk to_audio_chunk(const StreamChunk& chunk);

/// Back from the wire, checking what a receiver must not trust: frames
/// 1..kMaxChunkFrames, channels 1..kMaxChunkChannels, rate 8000..384000 Hz,
/// payload size = frames × channels × bytes per sample; F32LE and S16LE are
/// accepted (S16 scaled by 1/32768), S24LE too (by 1/8388608).
/// Errors: errc::value_out_of_range naming the field, its value and the range;
/// errc::unsupported_format for SAMPLE_FORMAT_UNSPECIFIED. Thread-safe (pure).
caf::expected<StreamChunk> from_audio_chunk(const crowdmesh::v1::AudioChunk& chunk);

}  // namespace crowdmesh::mesh
