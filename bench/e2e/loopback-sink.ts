/**
 * The receiving end of the loopback TCP measurement (machine-limits.ts), run as its own process so
 * that sender and receiver each have an event loop, as a broker and its client do. It listens on
 * 127.0.0.1, prints `{"port":N}`, takes one connection, counts its bytes, prints `{"bytes":N}` when
 * the sender ends, and exits.
 */
import net from 'node:net';

const server = net.createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => {
    process.stdout.write(JSON.stringify({ bytes }) + '\n', () => {
      socket.end();
      server.close();
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n',
  );
});
