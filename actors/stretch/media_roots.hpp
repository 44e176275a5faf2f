#pragma once
#include <string>
#include <vector>

#include "caf/expected.hpp"

namespace crowdmesh::stretch {

/// The folders audio files may be loaded from (TOML `[media] roots`,
/// `audio_node --media-root`). A node reachable from the LAN must not read
/// whatever path a client names: with roots set, every load (commands, OSC,
/// the command line) resolves inside one of them, symbolic links followed.
/// With no roots, any path the node process can read is allowed (a
/// loopback-only or single-operator setup; the node says so when it starts).
///
/// Errors never tell a client what exists outside the roots: a path outside
/// them is refused with the same sentence whether or not it exists.
///
/// Thread contract: immutable after make(); resolve() may be called from any
/// thread. resolve() touches the file system (realpath): blocking, not for the
/// real-time thread, and it may hang on a hung network share (callers open
/// files off the thread that feeds the decks: FileOpener).
class MediaRoots {
 public:
  /// No roots: every readable path is allowed.
  MediaRoots() = default;

  /// Roots from `dirs` (absolute, or relative to the working directory). Each
  /// must be an existing directory; it is stored canonical (symbolic links
  /// resolved). Errors: errc::file_not_found (a root that does not exist; the
  /// sentence has its absolute path), errc::value_out_of_range (a root that is
  /// not a directory, or an empty string).
  static caf::expected<MediaRoots> make(const std::vector<std::string>& dirs);

  /// True when no roots are set (anything readable may be loaded).
  bool unrestricted() const noexcept { return roots_.empty(); }

  /// The canonical roots, in the order given.
  const std::vector<std::string>& roots() const noexcept { return roots_; }

  /// The path to open for a load of `path` (absolute, or relative to the
  /// working directory). Unrestricted: the absolute, lexically normalised
  /// path (existence is the decoder's to check). With roots: the canonical
  /// path, which must lie inside a root both as written and after following
  /// symbolic links. Errors: errc::not_allowed (outside every root, as
  /// written or through a link; the sentence names the path as given and the
  /// roots, and says nothing of whether it exists), errc::file_not_found
  /// (inside a root but missing; the absolute path). Sentences call the file
  /// `what` ("audio file"; "struct JSON" for a song's structure).
  caf::expected<std::string> resolve(const std::string& path, const std::string& what = "audio file") const;

  /// "any readable file (no media roots set)" or "inside /srv/music, /media/usb".
  std::string describe() const;

 private:
  std::vector<std::string> roots_;
};

}  // namespace crowdmesh::stretch
