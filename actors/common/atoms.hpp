#pragma once
#include "caf/atom.hpp"
#include "caf/type_id.hpp"

/// Atoms of the in-process actor protocol (CAF 0.17: 4-argument CAF_ADD_ATOM,
/// text of at most 10 characters). The wire protocol between nodes is protobuf
/// (proto/crowdmesh/v1); these never leave the process.
CAF_ADD_ATOM(crowdmesh, crowdmesh, open_atom, "open")
CAF_ADD_ATOM(crowdmesh, crowdmesh, fill_atom, "fill")
CAF_ADD_ATOM(crowdmesh, crowdmesh, tick_atom, "tick")
CAF_ADD_ATOM(crowdmesh, crowdmesh, opened_atom, "opened")
CAF_ADD_ATOM(crowdmesh, crowdmesh, timeout_atom, "timeout")
CAF_ADD_ATOM(crowdmesh, crowdmesh, load_atom, "load")
CAF_ADD_ATOM(crowdmesh, crowdmesh, unload_atom, "unload")
CAF_ADD_ATOM(crowdmesh, crowdmesh, play_atom, "play")
CAF_ADD_ATOM(crowdmesh, crowdmesh, stop_atom, "stop")
CAF_ADD_ATOM(crowdmesh, crowdmesh, gain_atom, "gain")
CAF_ADD_ATOM(crowdmesh, crowdmesh, master_atom, "master")
CAF_ADD_ATOM(crowdmesh, crowdmesh, levels_atom, "levels")
CAF_ADD_ATOM(crowdmesh, crowdmesh, mute_atom, "mute")
CAF_ADD_ATOM(crowdmesh, crowdmesh, loop_atom, "loop")
CAF_ADD_ATOM(crowdmesh, crowdmesh, seek_atom, "seek")
CAF_ADD_ATOM(crowdmesh, crowdmesh, eq_atom, "eq")
CAF_ADD_ATOM(crowdmesh, crowdmesh, start_atom, "start")
CAF_ADD_ATOM(crowdmesh, crowdmesh, status_atom, "status")
CAF_ADD_ATOM(crowdmesh, crowdmesh, render_atom, "render")
CAF_ADD_ATOM(crowdmesh, crowdmesh, pump_atom, "pump")
CAF_ADD_ATOM(crowdmesh, crowdmesh, stats_atom, "stats")
CAF_ADD_ATOM(crowdmesh, crowdmesh, finish_atom, "finish")
CAF_ADD_ATOM(crowdmesh, crowdmesh, retry_atom, "retry")
CAF_ADD_ATOM(crowdmesh, crowdmesh, tempo_atom, "tempo")
CAF_ADD_ATOM(crowdmesh, crowdmesh, movement_atom, "movement")
CAF_ADD_ATOM(crowdmesh, crowdmesh, method_atom, "method")
CAF_ADD_ATOM(crowdmesh, crowdmesh, stall_atom, "stall")
CAF_ADD_ATOM(crowdmesh, crowdmesh, reset_atom, "reset")
CAF_ADD_ATOM(crowdmesh, crowdmesh, filter_atom, "filter")
CAF_ADD_ATOM(crowdmesh, crowdmesh, tone_atom, "tone")
CAF_ADD_ATOM(crowdmesh, crowdmesh, section_atom, "section")
