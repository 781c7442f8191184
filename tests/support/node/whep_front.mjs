// Meetecho's janus-whep-server (npm) in front of a Janus reached over its WebSocket transport.
// Usage: node whep_front.mjs HTTP_PORT JANUS_WS_URL ROOM FEED [MOUNTPOINT]
// Endpoint /whep/endpoint/room: the VideoRoom feed FEED of ROOM; janus-whep-server answers a
// viewer's POST with 406 and Janus's own offer (server-offer mode), and takes the answer by
// PATCH of /whep/resource/ID. With MOUNTPOINT, also /whep/endpoint/stream: that Streaming
// plugin mountpoint (client offer; with Janus 1.1.2 it answers 201 with an offer). Prints
// "WHEP front up" once it is connected to Janus.
import { JanusWhepServer } from 'janus-whep-server';

const [port, janusUrl, room, feedText, mountpoint] = [+process.argv[2], process.argv[3], +process.argv[4], process.argv[5], process.argv[6]];
const feed = /^\d+$/.test(feedText) ? +feedText : feedText;
const server = new JanusWhepServer({
  janus: { address: janusUrl },
  rest: { port, basePath: '/whep' },
  debug: process.env.WHEP_DEBUG || 'warn',
});
await server.start();
if (feedText !== '-') server.createEndpoint({ id: 'room', plugin: 'videoroom', room, feed });
if (mountpoint) server.createEndpoint({ id: 'stream', plugin: 'streaming', mountpoint: +mountpoint });
console.log('WHEP front up', JSON.stringify(server.listEndpoints()));
