#include "control_node/sections_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/error.hpp"
#include "control_node/request.hpp"
#include "structure/rekordbox_xml.hpp"
#include "structure/section_cues.hpp"
#include "structure/section_set.hpp"
#include "structure/struct_json.hpp"

namespace crowdmesh::control {
namespace {

namespace fs = std::filesystem;
using namespace crowdmesh::structure;

/// A one-line progress bar on a terminal; nothing otherwise.
class ProgressBar {
 public:
  ProgressBar(std::size_t total) : total_(total), tty_(::isatty(STDERR_FILENO) == 1) {}
  void show(std::size_t done, double fraction, const std::string& name) const {
    if (!tty_ || total_ == 0) return;
    const double all = (static_cast<double>(done) + fraction) / static_cast<double>(total_);
    const int width = 30;
    const int filled = static_cast<int>(all * width);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu %-40.40s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(), done + 1, total_, name.c_str());
    std::fflush(stderr);
  }
  void clear() const {
    if (tty_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  std::size_t total_;
  bool tty_;
};

std::string check_writable(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create the output folder " + fs::absolute(dir).string() + ": " + ec.message();
  const fs::path probe = fs::path(dir) / ".crowdmesh-write-test";
  {
    std::ofstream f(probe);
    if (!f) return "cannot write to the output folder " + fs::absolute(dir).lexically_normal().string();
  }
  fs::remove(probe, ec);
  return {};
}

std::string audio_file_of(const StructTrack& t, const std::string& audio_dir) {
  std::error_code ec;
  if (!audio_dir.empty()) {
    const fs::path candidate = fs::path(audio_dir) / fs::path(t.path).filename();
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  if (fs::is_regular_file(t.path, ec)) return t.path;
  return {};
}

// The Rekordbox entry of an exported part: its grid from the first downbeat
// of the part, a memory cue at every section start, times on the part's clock.
RekordboxTrack part_entry(int id, const StructTrack& t, const SectionRow& row, int n, const std::string& part) {
  RekordboxTrack r;
  r.track_id = id;
  r.name = fs::path(t.path).stem().string() + " (sections 1-" + std::to_string(n) + ")";
  r.path = fs::absolute(part).lexically_normal().string();
  r.average_bpm = row.target_bpm;
  r.tonality = t.key;
  r.total_time = static_cast<int>(std::lround(row.duration_sectioned));
  const auto downbeats = downbeats_between(t, row.ini_cue, row.end_cue);
  const double first = downbeats.empty() ? row.ini_cue : downbeats.front();
  r.tempos.push_back({(first - row.ini_cue) / row.speed, row.target_bpm, "4/4", 1});
  const auto start = first_section_after_intro(t);
  for (int k = 0; start && k < n; ++k) {
    const auto& s = t.segments[*start + static_cast<std::size_t>(k)];
    r.cues.push_back({"section " + std::to_string(k + 1) + " " + s.label, (s.start - row.ini_cue) / row.speed, -1});
  }
  return r;
}

}  // namespace

int run_sections(const SectionsOptions& o, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop) {
  if (auto ok = validate(o.filter); !ok) {
    err << "control_node sections: " << error_sentence(ok.error()) << "\n";
    return kExitUsage;
  }
  if (o.target_bpm && !(std::isfinite(*o.target_bpm) && *o.target_bpm > 0 && *o.target_bpm <= 1000)) {
    err << "control_node sections: --target-bpm " << *o.target_bpm << " is out of range; allowed: above 0, at most 1000\n";
    return kExitUsage;
  }
  std::error_code ec;
  if (!fs::is_directory(o.struct_dir, ec)) {
    err << "control_node sections: " << fs::absolute(o.struct_dir).lexically_normal().string()
        << " is not a folder of struct JSON files\n";
    return kExitUsage;
  }
  if (const std::string why = check_writable(o.out_dir); !why.empty()) {
    err << "control_node sections: " << why << " (nothing rendered)\n";
    return kExitUsage;
  }
  if (o.orig_parts) {
    if (const std::string why = check_writable((fs::path(o.out_dir) / "orig").string()); !why.empty()) {
      err << "control_node sections: " << why << " (nothing rendered)\n";
      return kExitUsage;
    }
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(o.struct_dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::size_t skipped = 0;
  std::vector<StructTrack> tracks;
  for (const auto& f : files) {
    auto t = load_struct_json(f.string());
    if (!t) {
      err << "skipped: " << error_sentence(t.error()) << "\n";
      ++skipped;
      continue;
    }
    tracks.push_back(std::move(*t));
  }
  if (!o.rekordbox_in.empty()) {
    auto coll = read_rekordbox_xml(o.rekordbox_in);
    if (!coll) {
      err << "control_node sections: " << error_sentence(coll.error()) << "\n";
      return kExitUsage;
    }
    const std::size_t changed = apply_rekordbox(tracks, *coll);
    out << "Rekordbox collection: " << coll->size() << " tracks, BPM or key taken for " << changed << "\n";
  }
  const auto chosen = select_tracks(tracks, o.filter);
  out << tracks.size() << " struct files read, " << chosen.size() << " match the filter\n";

  std::vector<SectionRow> rows;
  std::vector<RekordboxTrack> entries;
  const ProgressBar bar(chosen.size());
  double audio_seconds = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < chosen.size() && !stop.load(); ++i) {
    const StructTrack& t = chosen[i];
    auto skip = [&](const std::string& why) {
      bar.clear();
      err << "skipped: " << t.origin << ": " << why << "\n";
      ++skipped;
    };
    auto cues = section_cues(t, o.n_sections);
    if (!cues) {
      bar.clear();
      err << "skipped: " << error_sentence(cues.error()) << "\n";
      ++skipped;
      continue;
    }
    const double target = o.target_bpm ? *o.target_bpm : o.filter.bpm ? *o.filter.bpm : t.bpm;
    SectionRow row = make_row(t, *cues, target);
    if (row.speed < 0.5 || row.speed > 2.0) {
      skip("speed " + std::to_string(row.speed) + " (" + std::to_string(t.bpm) + " → " + std::to_string(target) +
           " BPM) is outside 0.5..2");
      continue;
    }
    const std::string audio = audio_file_of(t, o.audio_dir);
    if (audio.empty()) {
      skip("audio file " + t.path + " not found" + (o.audio_dir.empty() ? "" : " (nor in " + o.audio_dir + ")"));
      continue;
    }
    const std::string stem = fs::path(audio).stem().string() + "_sectioned." + extension_of(o.format);
    SectionRenderSpec spec{audio, cues->ini, cues->end, row.speed, o.rate_hz,
                           (fs::path(o.out_dir) / stem).lexically_normal().string(), o.format};
    auto part = render_section(spec, [&](double f) { bar.show(i, o.orig_parts ? f * 0.8 : f, stem); });
    if (!part) {
      skip(error_sentence(part.error()));
      continue;
    }
    row.part_file = fs::absolute(spec.output).lexically_normal().string();
    row.duration_sectioned = part->seconds();
    audio_seconds += row.duration_orig;
    if (o.orig_parts) {
      SectionRenderSpec orig = spec;
      orig.speed = 1.0;
      orig.output = (fs::path(o.out_dir) / "orig" / stem).lexically_normal().string();
      auto cut = render_section(orig, [&](double f) { bar.show(i, 0.8 + 0.2 * f, stem); });
      if (cut) row.part_file_orig = fs::absolute(orig.output).lexically_normal().string();
      else err << "warning: " << error_sentence(cut.error()) << "\n";
    }
    entries.push_back(part_entry(static_cast<int>(entries.size()) + 1, t, row, o.n_sections, row.part_file));
    rows.push_back(std::move(row));
  }
  bar.clear();
  const fs::path csv = fs::path(o.out_dir) / "sections.csv";
  const fs::path xml = fs::path(o.out_dir) / "sections.xml";
  {
    std::ofstream c(csv);
    c << sections_csv(rows);
    std::ofstream x(xml);
    x << write_rekordbox_xml(entries);
    if (!c || !x) {
      err << "control_node sections: cannot write " << csv.string() << " or " << xml.string() << "\n";
      return kExitErrorReply;
    }
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char speedup[64];
  std::snprintf(speedup, sizeof speedup, "%.1f", took > 0 ? audio_seconds / took : 0.0);
  out << rows.size() << " parts exported, " << skipped << " skipped, " << speedup << "x real time\n"
      << "CSV: " << fs::absolute(csv).lexically_normal().string() << "\n"
      << "Rekordbox XML: " << fs::absolute(xml).lexically_normal().string() << "\n";
  return rows.empty() ? kExitErrorReply : kExitOk;
}

}  // namespace crowdmesh::control
