#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace crowdmesh::rt {

/// A single-writer sequence lock publishing a small trivially copyable value
/// (a timing anchor, a clock mapping) from one thread to any number of readers.
///
/// The writer never waits: store() is wait-free (two counter increments and a
/// copy through relaxed atomic words), so the real-time callback may publish
/// with it. Readers retry while a write is in progress; load() returns after at
/// most a few retries in practice and never blocks the writer. Model: the Linux
/// kernel's seqcount_t and Boehm, "Can Seqlocks Get Along With Programming
/// Language Memory Models?" (MSPC 2012): the payload is copied word by word
/// through std::atomic (release stores, acquire loads) so that the racy read
/// is not undefined behaviour.
///
/// Thread contract: exactly one writer thread calls store(); any thread calls
/// load()/try_load(). No allocation, no lock, no exception.
template <typename T>
class Seqlock {
  static_assert(std::is_trivially_copyable_v<T>, "Seqlock payloads are copied bytewise");
  static constexpr std::size_t kWords = (sizeof(T) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);

 public:
  Seqlock() noexcept {
    store(T{});
    seq_.store(0, std::memory_order_relaxed);
  }

  /// Writer: publishes `value`. Wait-free.
  void store(const T& value) noexcept {
    std::uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    const auto s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    // Release on each word: a reader that sees any new word also sees the odd
    // counter (no standalone fences, which ThreadSanitizer cannot model).
    for (std::size_t i = 0; i < kWords; ++i) data_[i].store(words[i], std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }

  /// Reader: one attempt. Returns false (out untouched) when a write overlapped.
  bool try_load(T& out) const noexcept {
    const auto s1 = seq_.load(std::memory_order_acquire);
    if (s1 & 1U) return false;
    std::uint64_t words[kWords];
    for (std::size_t i = 0; i < kWords; ++i) words[i] = data_[i].load(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != s1) return false;
    std::memcpy(&out, words, sizeof(T));
    return true;
  }

  /// Reader: the last complete value (retries until no write overlaps).
  T load() const noexcept {
    T out{};
    while (!try_load(out)) {
    }
    return out;
  }

  /// Number of store() calls so far (any thread; a hint, e.g. "anything new?").
  std::uint64_t version() const noexcept { return seq_.load(std::memory_order_acquire) / 2; }

 private:
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> data_[kWords];
};

}  // namespace crowdmesh::rt
