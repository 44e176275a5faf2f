# File/Icecast sink tests. The Icecast ones start a private icecast2 and use
# sox, lame, opusenc and ffmpeg (installed by the project's install script).
crowdmesh_add_unit_test(sink_unit_tests
  SOURCES file_sink_test.cpp sink_url_test.cpp
  LIBS crowdmesh_sinks crowdmesh_test_support
  LABEL unit)
crowdmesh_add_unit_test(icecast_sink_tests
  SOURCES icecast_sink_test.cpp
  LIBS crowdmesh_sinks crowdmesh_test_support nlohmann_json::nlohmann_json
  LABEL integration)
