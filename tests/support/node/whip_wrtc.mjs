// Google libwebrtc for Node (@roamhq/wrtc) as a publisher: a Y4M (looped) and a WAV, candidates
// gathered before the offer is sent, by WHIP (URL) or into a Janus VideoRoom
// (janus+http://HOST:PORT/janus?room=N, Janus's HTTP API); leaves on SIGINT/SIGTERM or after SECONDS.
// Usage: node whip_wrtc.mjs URL FILE.y4m FILE.wav SECONDS   (prints "published <status>", then
// each second "sent whip video <kbps> kbps target <bps> available <bps> <w>x<h> fps <n>")
import wrtc from '@roamhq/wrtc';
import { y4mVideo, wavAudio, printSendRates, gathered } from './wrtc_sources.mjs';

const [url, y4mPath, wavPath, seconds] = [process.argv[2], process.argv[3], process.argv[4], +process.argv[5]];
const video = y4mVideo(y4mPath), audio = wavAudio(wavPath);
const pc = new wrtc.RTCPeerConnection();
pc.addTransceiver(video.source.createTrack(), { direction: 'sendonly' });
pc.addTransceiver(audio.source.createTrack(), { direction: 'sendonly' });
pc.onconnectionstatechange = () => console.log(`connection ${pc.connectionState}`);
await pc.setLocalDescription(await pc.createOffer());
await gathered(pc);

// WHIP: POST the offer; the answer and the resource to DELETE.
async function whip(offer) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
                                 body: offer, signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  console.log(`published ${res.status}`);
  if (res.status !== 201) { console.log(text); process.exit(1); }
  const resource = new URL(res.headers.get('location'), url).href;
  return { answer: text, leave: () => fetch(resource, { method: 'DELETE', signal: AbortSignal.timeout(3000) }) };
}

// Janus VideoRoom over its HTTP API: create, attach, join as publisher, publish the offer.
async function janus(offer) {
  const target = new URL(url.slice('janus+'.length));
  const room = +target.searchParams.get('room'), api = target.origin + target.pathname;
  let count = 0;
  const post = async (path, message) => {
    const res = await fetch(api + path, { method: 'POST', signal: AbortSignal.timeout(10000),
                                          body: JSON.stringify({ ...message, transaction: `t${++count}` }) });
    const reply = await res.json();
    if (reply.janus === 'error') throw new Error(`Janus: ${reply.error.reason}`);
    return reply;
  };
  const session = (await post('', { janus: 'create' })).data.id;
  const handle = (await post(`/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
  const events = [];
  let polling = true;
  (async () => {  // long poll: plugin events, and it keeps the session alive
    while (polling) {
      try { events.push(...[].concat(await (await fetch(`${api}/${session}?maxev=10`)).json())); } catch { return; }
    }
  })();
  const call = async (body, jsep) => {
    const transaction = `t${count + 1}`;  // the one post() gives this message
    await post(`/${session}/${handle}`, { janus: 'message', body, jsep });
    for (const deadline = performance.now() + 10000; performance.now() < deadline;) {
      const event = events.find((e) => e.transaction === transaction && e.plugindata);
      if (event) {
        if (event.plugindata.data.error) throw new Error(`VideoRoom: ${event.plugindata.data.error}`);
        return event;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`Janus did not answer ${body.request} within 10 s`);
  };
  await call({ request: 'join', ptype: 'publisher', room, display: 'libwebrtc' });
  const published = await call({ request: 'publish' }, { type: 'offer', sdp: offer });
  console.log('published 201');
  return { answer: published.jsep.sdp, leave: async () => {
    polling = false;
    await post(`/${session}/${handle}`, { janus: 'detach' });
    await post(`/${session}`, { janus: 'destroy' });
  } };
}

const { answer, leave } = await (url.startsWith('janus+') ? janus : whip)(pc.localDescription.sdp);
await pc.setRemoteDescription({ type: 'answer', sdp: answer });
const stopRates = printSendRates(pc, 'whip');
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  stopRates(); video.stop(); audio.stop();
  try { await leave(); } catch (err) { console.log(`leaving failed: ${err}`); }
  pc.close(); process.exit(0);
}
process.on('SIGINT', stop); process.on('SIGTERM', stop);
setTimeout(stop, seconds * 1000);
