/**
 * An accepted socket re-wrapped so the kernel reads into memory Kiln chooses (net's `onread`
 * option) instead of a fresh 64 KiB buffer per read: the frame decoder hands out the rest of the
 * frame being assembled, or one reusable scratch buffer. A megabyte Produce request then lands in
 * its (pooled) frame buffer with no copy and no allocation, which is most of the produce path's
 * garbage and a good part of its CPU.
 *
 * net.Server has no `onread` of its own, so the listener accepts with `pauseOnConnect` and the
 * handle moves to a new net.Socket built with `onread` — the way net.Server itself builds sockets
 * from handles. The accepted socket object is kept only so the server's connection count drops
 * (and `server.close()` can finish) when the new one closes. Where a Node version does not let
 * the handle move, the accepted socket is used as it is, with 'data' events; a 'data' listener on
 * the new socket also catches the case of `onread` being ignored, so no byte can be lost.
 */
import net from 'node:net';

export interface OwnBufferReader {
  /** Where the next read goes. */
  readBuffer(): Buffer;
  /** `n` bytes were read into the last readBuffer(). */
  didRead(n: number): void;
  /** Bytes that arrived the ordinary way (a fresh chunk of the socket's own). */
  onChunk(chunk: Buffer): void;
}

interface HandleOwner {
  _handle?: object | null;
}

/** The socket to use for `accepted`: a re-wrapped one reading through `reader`, or `accepted`. */
export function readIntoOwnBuffers(accepted: net.Socket, reader: OwnBufferReader): net.Socket {
  const handle = (accepted as unknown as HandleOwner)._handle;
  if (!handle) return fallback(accepted, reader);
  let socket: net.Socket;
  try {
    socket = new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer: () => reader.readBuffer(),
        callback: (n: number) => {
          reader.didRead(n);
          return true;
        },
      },
    } as net.SocketConstructorOpts);
  } catch {
    return fallback(accepted, reader);
  }
  socket.on('data', (chunk: Buffer) => reader.onChunk(chunk));
  socket.once('close', () => {
    (accepted as unknown as HandleOwner)._handle = null;
    accepted.destroy();
  });
  return socket;
}

function fallback(accepted: net.Socket, reader: OwnBufferReader): net.Socket {
  accepted.on('data', (chunk: Buffer) => reader.onChunk(chunk));
  accepted.resume();
  return accepted;
}
