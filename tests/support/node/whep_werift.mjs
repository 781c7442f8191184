// A WHEP server on werift (a TypeScript WebRTC stack) that forwards plain RTP it receives on UDP
// (FFmpeg's RTP muxer) to every WHEP viewer without re-encoding: werift packetises nothing and
// writes its own RTCP sender reports, as an SFU does.
// Usage: node whep_werift.mjs HTTP_PORT vp8|h264 VIDEO_RTP_PORT AUDIO_RTP_PORT
// POST /whep/NAME: 201 + answer + Location; DELETE Location: leave. Prints "listening" when up,
// "rtp video" once the first video packet arrived.
import http from 'node:http';
import dgram from 'node:dgram';
import crypto from 'node:crypto';
import { RTCPeerConnection, MediaStreamTrack, RTCRtpCodecParameters } from 'werift';

const [port, codec, videoPort, audioPort] = [+process.argv[2], process.argv[3], +process.argv[4], +process.argv[5]];
const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }];
const video = codec === 'h264'
  ? new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: feedback,
      parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' })
  : new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: feedback });
const opus = new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });
const sessions = new Map();
const seen = { video: false, audio: false };

for (const [kind, rtpPort] of [['video', videoPort], ['audio', audioPort]]) {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (packet) => {
    if (!seen[kind]) { seen[kind] = true; console.log('rtp', kind); }
    for (const session of sessions.values()) session[kind].writeRtp(packet);
  });
  socket.bind(rtpPort, '127.0.0.1');
}

async function join(offer, path) {
  const pc = new RTCPeerConnection({ codecs: { video: [video], audio: [opus] }, iceUseIpv6: false,
                                     iceAdditionalHostAddresses: ['127.0.0.1'] });
  const session = { pc, video: new MediaStreamTrack({ kind: 'video' }), audio: new MediaStreamTrack({ kind: 'audio' }) };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  for (const transceiver of pc.getTransceivers()) {
    transceiver.setDirection('sendonly');
    transceiver.sender.replaceTrack(transceiver.kind === 'video' ? session.video : session.audio);
  }
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== 'complete')
    await new Promise((resolve) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
  const id = crypto.randomUUID();
  sessions.set(id, session);
  return { id, answer: pc.localDescription.sdp, location: `${path}/${id}` };
}

http.createServer(async (request, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  try {
    if (request.method === 'POST' && request.url.startsWith('/whep/')) {
      const { id, answer, location } = await join(body, request.url);
      console.log('joined', id);
      response.writeHead(201, { 'Content-Type': 'application/sdp', Location: location });
      response.end(answer);
    } else if (request.method === 'DELETE') {
      const id = request.url.split('/').pop(), session = sessions.get(id);
      if (session) { await session.pc.close(); sessions.delete(id); console.log('left', id); }
      response.writeHead(session ? 200 : 404); response.end();
    } else { response.writeHead(405); response.end(); }
  } catch (error) {
    console.log('error', String(error));
    response.writeHead(400); response.end(String(error));
  }
}).listen(port, '127.0.0.1', () => console.log('listening', port));
