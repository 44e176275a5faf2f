#pragma once
#include <string>

#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "caf/sec.hpp"
#include "common/errc.hpp"

CAF_ERROR_CODE_ENUM(crowdmesh::errc, "crowdmesh")

namespace crowdmesh {

/// Builds an error with a project code and the human sentence shown to the
/// operator (log line and reply). The sentence names the thing: absolute path,
/// value and allowed range, deck.
caf::error make_error(errc code, std::string sentence);

/// The human sentence stored by make_error(); for other errors (CAF's own,
/// e.g. a request timeout) a readable rendering of the code.
std::string error_sentence(const caf::error& err);

/// The project code of an error made by make_error(); errc::timeout for CAF's
/// request timeout; errc::internal for anything else.
errc error_code(const caf::error& err);

/// Renders CAF errors of the "crowdmesh" category for actor_system_config::
/// add_error_category. Thread-safe (pure function).
std::string render_error(uint8_t code, caf::atom_value category, const caf::message& context);

}  // namespace crowdmesh
