// Handlers of the song-section commands: CueSection loads a struct JSON's
// track at a section's begin cue and plays it; NextSection switches the deck
// to the following section on a downbeat. The router keeps what each deck
// plays (RouterState::sections); the mixer plans and performs the switch.
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/schedule_range.hpp"
#include "mixer/downbeat_switch.hpp"
#include "mixer/mixer_proto.hpp"
#include "structure/section_cues.hpp"
#include "structure/struct_json.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;
namespace fs = std::filesystem;

// The struct JSON at `path`, read inside the media roots.
caf::expected<structure::StructTrack> read_struct(const stretch::MediaRoots& roots, const std::string& path) {
  auto resolved = roots.resolve(path, "struct JSON");
  if (!resolved) return resolved.error();
  return structure::load_struct_json(*resolved);
}

// The audio file of a struct: its `path` as written (absolute, or relative to
// the node's working directory), else the file of that name beside the struct
// JSON. Only paths inside the media roots are looked at, so an answer tells
// nothing of files outside them; the load checks the roots again.
caf::expected<std::string> audio_file_of(const stretch::MediaRoots& roots, const structure::StructTrack& t) {
  const fs::path beside = fs::path(t.origin).parent_path() / fs::path(t.path).filename();
  caf::error first;
  for (const std::string& candidate : {t.path, beside.string()}) {
    auto resolved = roots.resolve(candidate);
    std::error_code ec;
    if (resolved && fs::is_regular_file(*resolved, ec)) return candidate;
    if (!resolved && !first) first = resolved.error();
  }
  if (first && error_code(first) == errc::not_allowed) return first;
  return make_error(errc::file_not_found, t.origin + ": its audio file " + t.path + " was not found (nor " +
                                              beside.string() + ")");
}

v1::Reply section_switch_reply(DeckId deck, const CuedSection& c, const mixer::SectionSwitch& s) {
  v1::Reply r;
  auto* out = r.mutable_ok()->mutable_section_switch();
  out->set_deck(mixer::wire_deck(deck));
  out->set_section(static_cast<std::uint32_t>(c.section));
  out->set_begin_seconds(c.begin_seconds);
  out->set_end_seconds(c.end_seconds);
  out->set_downbeat_seconds(s.downbeat_seconds);
  out->set_from_seconds(s.from_seconds);
  out->set_switch_at_ns(s.at_ns);
  out->set_late_ns(s.late_ns);
  return r;
}

// Starts a cued section's deck at mesh time `at` (the mixer's scheduled start).
// A load that ended after `at` starts at once, and the reply says how late.
void start_section_at(RouterSelf self, const ReplyFn& reply, DeckId deck, CuedSection cued, std::int64_t at) {
  const std::int64_t late_ns = self->state.cfg.mesh_time_ns() - at;
  self->request(self->state.cfg.mixer, kActorTimeout, start_atom_v, std::vector<std::string>{to_string(deck)}, 0.0,
                at)
      .then(
          [self, reply, deck, cued, late_ns](mixer::StartReport& rep) mutable {
            v1::Reply r;
            mixer::to_proto(rep, *r.mutable_ok()->mutable_start_together());
            std::string message = "deck " + to_string(deck) + ": section " + std::to_string(cued.section) + " of " +
                                  cued.track.origin + " starts at mesh time " + std::to_string(rep.scheduled_at_ns);
            if (late_ns > 0)
              message += fmt::format(" (loaded {:.1f} ms after it: it starts at once, out of step with rooms that "
                                     "loaded in time; give more time with --in)",
                                     static_cast<double>(late_ns) / 1e6);
            spdlog::info("sections: {}", message);
            r.mutable_ok()->set_message(std::move(message));
            self->state.sections[static_cast<std::size_t>(index_of(deck))] = std::move(cued);
            reply(r);
          },
          reply_error(reply));
}

void cue_section(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().cue_section();
  auto d = mixer::deck_from_wire(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  const auto& roots = self->state.cfg.media_roots;
  auto track = read_struct(roots, m.struct_path());
  if (!track) return reply(mixer::error_reply(track.error()));
  auto cues = structure::section_cues(*track, static_cast<int>(m.section()));
  if (!cues) return reply(mixer::error_reply(cues.error()));
  auto audio = audio_file_of(roots, *track);
  if (!audio) return reply(mixer::error_reply(audio.error()));
  CuedSection cued{std::move(*track), static_cast<int>(m.section()), m.loop(), m.buffer_id(), cues->begin, cues->end};
  const mixer::PlayRegion region{cues->begin, cues->end, m.loop()};
  const DeckId deck = *d;
  const std::uint32_t id = m.buffer_id();
  // With execute_at_ns the section starts at the first frame whose PTS reaches
  // it (the mixer's scheduled start): rooms sent the same command start on
  // the same frame, however long each took to load.
  const std::int64_t at = env.has_execute_at_ns() ? env.execute_at_ns() : 0;
  // In 128 bits: any int64 execute_at_ns, however far from now, subtracts exactly.
  if (static_cast<__int128>(at) - self->state.cfg.mesh_time_ns() > schedule::kMaxAheadNs)
    return reply(out_of_range("execute_at_ns is more than one hour ahead of mesh time"));
  auto& mixer = self->state.cfg.mixer;
  self->request(mixer, kActorTimeout, section_atom_v, deck, id, *audio, cued.track.bpm, region)
      .then(
          [self, reply, deck, id, cued, at](mixer::BufferStatus&) mutable {
            if (at > 0) return start_section_at(self, reply, deck, std::move(cued), at);
            self->request(self->state.cfg.mixer, kActorTimeout, play_atom_v, deck, id)
                .then(
                    [self, reply, deck, cued](mixer::DeckStatus& status) mutable {
                      spdlog::info("sections: deck {} plays section {} of {} ({:.3f}-{:.3f} s{})", to_string(deck),
                                   cued.section, cued.track.origin, cued.begin_seconds, cued.end_seconds,
                                   cued.loop ? ", looped" : "");
                      self->state.sections[static_cast<std::size_t>(index_of(deck))] = std::move(cued);
                      reply(ok_deck(status));
                    },
                    reply_error(reply));
          },
          reply_error(reply));
}

void next_section(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().next_section();
  auto d = mixer::deck_from_wire(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  const DeckId deck = *d;
  const auto& slot = self->state.sections[static_cast<std::size_t>(index_of(deck))];
  if (!slot)
    return reply(not_ready("deck " + to_string(deck) +
                           " has no section cued: cue one first (control_node cue-section " + to_string(deck) +
                           " STRUCT.json N)"));
  CuedSection next = *slot;
  next.section = slot->section + 1;
  auto cues = structure::section_cues(next.track, next.section);
  if (!cues)
    return reply(out_of_range("deck " + to_string(deck) + " plays section " + std::to_string(slot->section) +
                              ", the last one: " + error_sentence(cues.error())));
  next.begin_seconds = cues->begin;
  next.end_seconds = cues->end;
  const mixer::PlayRegion now{slot->begin_seconds, slot->end_seconds, slot->loop};
  const mixer::PlayRegion then{next.begin_seconds, next.end_seconds, next.loop};
  self->request(self->state.cfg.mixer, kActorTimeout, section_atom_v, deck, slot->buffer_id, slot->track.downbeats,
                now, then)
      .then(
          [self, reply, deck, next](mixer::SectionSwitch& s) mutable {
            auto r = section_switch_reply(deck, next, s);
            self->state.sections[static_cast<std::size_t>(index_of(deck))] = std::move(next);
            reply(r);
          },
          reply_error(reply));
}

}  // namespace

std::vector<CommandRoute> section_commands() {
  using C = v1::Command;
  return {
      {C::kCueSection, cue_section},
      {C::kNextSection, next_section},
  };
}

}  // namespace crowdmesh::node
