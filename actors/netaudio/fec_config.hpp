#pragma once

namespace crowdmesh::netaudio {

/// Block shape of the Reed–Solomon FEC of an audio stream: every K
/// consecutive source packets are followed by M repair packets, and any K of
/// the K + M packets rebuild the block (ReedSolomonCodec).
///
/// Default K = 24, M = 24, chosen for 20 % independent packet loss. A block
/// fails only when more than M of its K + M packets are lost; the number lost
/// is Binomial(K + M, 0.2), so
///   P(block fails) = Σ_{x=M+1..K+M} C(K+M, x) 0.2^x 0.8^(K+M−x),
///   source packets left missing = Σ_{x>M} P(x) · x / (K+M) of all.
/// At 2 ms per packet (96 frames at 48 kHz):
///   K/M    overhead  P(block fails)  missing    failed blocks per hour
///   8/4      50 %      7.3e-2        3.2e-2     16 000
///   16/8     50 %      3.6e-2        1.4e-2      4 000
///   32/24    75 %      2.6e-5        1.2e-5      1.5
///   16/16   100 %      3.3e-5        1.8e-5      3.7
///   24/24   100 %      7.8e-7        4.1e-7      0.06 (one 20 ms gap in 17 h)
/// A failed block leaves about half of its sources missing (about 20 ms of
/// audio to conceal), so what is heard is the failure rate: 50 % overhead
/// cannot make 20 % loss inaudible (its rate, 0.67, is too close to the 0.8
/// a code needs at the very least, with blocks this short), and the block
/// length is latency: 24 packets are 48 ms, and the repairs follow the
/// block's last source packet, so a receiver recovers a block about 48 ms
/// plus the network's jitter after its first frame, inside the 150 ms a
/// remote room may add. The 100 % overhead costs about 5 Mb/s for 48 kHz
/// stereo L24, little on a LAN. A sender that paces repair packets instead
/// of sending them in a burst adds up to M packet times of latency.
struct FecConfig {
  int source_packets = 24;  ///< K, 1..kMaxFecSourcePackets
  int repair_packets = 24;  ///< M, 1..kMaxFecRepairPackets
};

}  // namespace crowdmesh::netaudio
