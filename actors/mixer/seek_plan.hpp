#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "mixer/deck.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::mixer {

/// A buffer a seek reopens: its id and its state when the seek began (path,
/// loop and native tempo of the new reader).
struct SeekTarget {
  std::uint32_t buffer_id = 0;  ///< the buffer on the deck
  BufferStatus status;          ///< its state when the seek began
};

/// One seek of a deck: every buffer that has a reader (or only one of them)
/// gets a new reader opened at the position; the seek answers once every
/// open replied, with the first error if any open failed.
///
/// Pure; not thread-safe (the mixer actor's callbacks share it, one at a time).
class SeekPlan {
 public:
  /// Plans a seek of `deck` to `seconds` (from the file's start), of every
  /// buffer with a reader, or of `only`. Errors: value_out_of_range (seconds
  /// not finite or negative, the sentence names the range), unknown_buffer
  /// (`only` is not on the deck; the sentence lists the loaded ids),
  /// not_ready (no buffer to seek).
  static caf::expected<SeekPlan> make(const Deck& deck, std::optional<std::uint32_t> only, double seconds);

  /// The buffers to reopen, by id.
  const std::vector<SeekTarget>& targets() const { return targets_; }
  /// One reader opened. Returns true when it was the last reply: answer now.
  bool opened() { return --remaining_ == 0; }
  /// One open failed with `err` (kept when it is the first). Returns true
  /// when it was the last reply: answer now.
  bool failed(caf::error err);
  /// The first failure, or an empty error when every open succeeded so far.
  const caf::error& first_error() const { return first_error_; }

 private:
  explicit SeekPlan(std::vector<SeekTarget> targets) : targets_(std::move(targets)), remaining_(targets_.size()) {}
  std::vector<SeekTarget> targets_;
  std::size_t remaining_;
  caf::error first_error_;
};

}  // namespace crowdmesh::mixer
