// Listening, the one way kia's servers do it (kia serve, kia agent): on the address asked, port 0 picking one, and
// the URL to print from what was bound.
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export async function listenOn(server: Server, where: { host: string; port: number; scheme: 'http' | 'https' }): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `${where.scheme}://${host}:${address.port}/`, port: address.port };
}
