#pragma once

namespace crowdmesh::netaudio {

/// Block shape of the Reed–Solomon FEC of an audio stream: every K
/// consecutive source packets are followed by M repair packets, and any K of
/// the K + M packets rebuild the block (ReedSolomonCodec).
///
/// Default K = 16, M = 16. A block is lost only when more than M of its
/// K + M = 32 packets are lost; at 20 % independent loss the number lost in a
/// block is Binomial(32, 0.2) (mean 6.4):
///   P(block fails) = Σ_{x=17..32} C(32,x) 0.2^x 0.8^(32−x) ≈ 3.3·10⁻⁵,
///   source packets left missing = Σ_{x>16} P(x) · x/32 ≈ 1.8·10⁻⁵ of all,
/// i.e. about one concealed 2 ms packet every 110 s of stereo audio. Other
/// shapes at 20 % loss (same sum): K=8/M=4 (50 % overhead) leaves 3.2·10⁻² of
/// the packets missing, K=20/M=12 2.5·10⁻³, K=10/M=10 3.2·10⁻⁴, K=24/M=18
/// 8.8·10⁻⁵, K=32/M=24 1.2·10⁻⁵ (75 % overhead, but a 56-packet block).
/// 20 % loss is close to what any code can bear at modest overhead (a rate
/// of at least 1.25 is the bound for an infinite block); short blocks need
/// more, and the block length is latency: a receiver must hold a block's 32
/// packets, 64 ms at 2 ms per packet, inside the 150 ms a remote room may add.
/// The 100 % overhead costs about 5 Mb/s for 48 kHz stereo L24, little on a LAN.
struct FecConfig {
  int source_packets = 16;  ///< K, 1..kMaxFecSourcePackets
  int repair_packets = 16;  ///< M, 1..kMaxFecRepairPackets
};

}  // namespace crowdmesh::netaudio
