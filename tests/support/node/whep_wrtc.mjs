// Google libwebrtc for Node (@roamhq/wrtc) as a WHEP server: each POST /whep/<name> gets a peer
// connection sending one shared video source (a Y4M, looped) and audio source (a WAV, looped);
// 201 + answer (candidates gathered) + Location; DELETE of the Location closes it.
// Usage: node whep_wrtc.mjs PORT FILE.y4m FILE.wav   (prints "listening", then per viewer its
// send rates each second: "sent <id> video <kbps> kbps target <bps> available <bps> ...")
import http from 'node:http';
import crypto from 'node:crypto';
import wrtc from '@roamhq/wrtc';
import { y4mVideo, wavAudio, printSendRates, gathered } from './wrtc_sources.mjs';

const [port, y4mPath, wavPath] = [+process.argv[2], process.argv[3], process.argv[4]];
const video = y4mVideo(y4mPath), audio = wavAudio(wavPath);
console.log(`video ${video.width}x${video.height}@${video.fps.toFixed(3)} ${video.frames} frames`);
const sessions = new Map();

function close(id) {
  const session = sessions.get(id);
  if (!session) return false;
  session.stopRates(); session.pc.close(); sessions.delete(id);
  console.log(`closed ${id}`);
  return true;
}

async function answer(offer, name) {
  const pc = new wrtc.RTCPeerConnection();
  const id = crypto.randomUUID().slice(0, 8);
  pc.addTrack(video.source.createTrack()); pc.addTrack(audio.source.createTrack());
  pc.onconnectionstatechange = () => {
    console.log(`${id} connection ${pc.connectionState}`);
    if (['failed', 'closed'].includes(pc.connectionState)) close(id);
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  sessions.set(id, { pc, stopRates: printSendRates(pc, id) });
  console.log(`session ${id} for ${name}`);
  return { id, sdp: pc.localDescription.sdp };
}

const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const piece of req) body += piece;
  try {
    const match = req.url.match(/^\/whep\/([^/]+)(?:\/([^/]+))?$/);
    if (req.method === 'POST' && match && !match[2]) {
      const { id, sdp } = await answer(body, match[1]);
      res.writeHead(201, { 'Content-Type': 'application/sdp', Location: `/whep/${match[1]}/${id}` });
      res.end(sdp);
    } else if (req.method === 'DELETE' && match && match[2]) {
      res.writeHead(close(match[2]) ? 200 : 404); res.end();
    } else { res.writeHead(405); res.end(); }
  } catch (err) {
    console.log(`error ${err}`);
    res.writeHead(400, { 'Content-Type': 'text/plain' }); res.end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/whep/`));
const stop = () => { for (const id of [...sessions.keys()]) close(id); video.stop(); audio.stop(); server.close(); process.exit(0); };
process.on('SIGINT', stop); process.on('SIGTERM', stop);
