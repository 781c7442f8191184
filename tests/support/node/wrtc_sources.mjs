// Media sources for the libwebrtc (@roamhq/wrtc) peers: a Y4M file (I420) looped at its own frame
// rate into an RTCVideoSource, a 16-bit PCM WAV looped in 10 ms chunks into an RTCAudioSource,
// and a sampler printing what a peer connection sends (its estimator's figures included).
import fs from 'node:fs';
import wrtc from '@roamhq/wrtc';

const { RTCVideoSource, RTCAudioSource } = wrtc.nonstandard;

// A paced loop calling step(n) at t0 + n * periodMs (no drift); returns a stop function.
function paced(periodMs, step) {
  const t0 = performance.now();
  let n = 0, timer = null;
  const tick = () => { step(n); n += 1; timer = setTimeout(tick, Math.max(0, t0 + n * periodMs - performance.now())); };
  tick();
  return () => clearTimeout(timer);
}

export function y4mVideo(path) {
  const y4m = fs.readFileSync(path);
  const headerEnd = y4m.indexOf(0x0a);
  const header = y4m.subarray(0, headerEnd).toString();
  const width = +header.match(/ W(\d+)/)[1], height = +header.match(/ H(\d+)/)[1];
  const [num, den] = header.match(/ F(\d+):(\d+)/).slice(1).map(Number);
  const frameBytes = width * height * 3 / 2, frames = [];
  for (let at = headerEnd + 1; at < y4m.length;) {  // each frame: "FRAME[params]\n" + I420 bytes
    const data = y4m.indexOf(0x0a, at) + 1;
    if (data === 0 || data + frameBytes > y4m.length) break;
    frames.push(Uint8ClampedArray.from(y4m.subarray(data, data + frameBytes)));
    at = data + frameBytes;
  }
  const source = new RTCVideoSource();
  const stop = paced(1000 * den / num, (n) => source.onFrame({ width, height, data: frames[n % frames.length] }));
  return { source, stop, width, height, fps: num / den, frames: frames.length };
}

export function wavAudio(path) {
  const wav = fs.readFileSync(path);
  const channels = wav.readUInt16LE(22), rate = wav.readUInt32LE(24), dataAt = wav.indexOf('data') + 8;
  const samples = Math.floor((wav.length - dataAt) / 2);
  const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + dataAt, wav.byteOffset + dataAt + samples * 2));
  const source = new RTCAudioSource(), chunk = rate / 100, chunks = Math.floor(pcm.length / channels / chunk);
  const stop = paced(10, (n) => {
    const at = (n % chunks) * chunk * channels;
    source.onData({ samples: pcm.slice(at, at + chunk * channels), sampleRate: rate, bitsPerSample: 16,
                    channelCount: channels, numberOfFrames: chunk });
  });
  return { source, stop };
}

// Every periodMs: "sent <label> video <kbps> kbps target <bps> available <bps> <w>x<h> fps <n>".
export function printSendRates(pc, label, periodMs = 1000) {
  let lastBytes = 0, lastAt = performance.now();
  const timer = setInterval(async () => {
    const stats = [...(await pc.getStats()).values()];
    const video = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (!video) return;
    const now = performance.now();
    const kbps = (video.bytesSent - lastBytes) * 8 / (now - lastAt);
    [lastBytes, lastAt] = [video.bytesSent, now];
    console.log(`sent ${label} video ${kbps.toFixed(0)} kbps target ${video.targetBitrate ?? '-'} ` +
                `available ${pair?.availableOutgoingBitrate ?? '-'} ${video.frameWidth}x${video.frameHeight} ` +
                `fps ${video.framesPerSecond ?? '-'}`);
  }, periodMs);
  return () => clearInterval(timer);
}

export const gathered = (pc) => pc.iceGatheringState === 'complete' ? Promise.resolve() :
  new Promise((resolve) => pc.addEventListener('icegatheringstatechange',
    () => pc.iceGatheringState === 'complete' && resolve()));
