// werift's parser of RTCP transport-wide feedback (RTPFB FMT=15), independent of the probe's
// encoder: reads one packet per line of hex on stdin, prints one JSON line per packet: its
// header fields, each reported packet's status, and the receive deltas in microseconds.
import readline from 'node:readline';
import { RtcpPacketConverter } from 'werift';

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const [feedback] = RtcpPacketConverter.deSerialize(Buffer.from(line.trim(), 'hex'));
  const fb = feedback.feedback;
  console.log(JSON.stringify({
    type: feedback.type, count: fb.count, senderSsrc: fb.senderSsrc, mediaSourceSsrc: fb.mediaSourceSsrc,
    baseSequenceNumber: fb.baseSequenceNumber, packetStatusCount: fb.packetStatusCount,
    referenceTime: fb.referenceTime, fbPktCount: fb.fbPktCount,
    chunks: fb.packetChunks.map((c) => c.type === 0 ? { run: c.runLength, status: c.packetStatus }
                                                     : { symbolSize: c.symbolSize, symbols: c.symbolList }),
    deltasUs: fb.recvDeltas.map((d) => d.delta),
  }));
}
