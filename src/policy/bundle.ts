// Reads an OPA bundle (.tar.gz) without a tar dependency: ustar headers are 512-byte blocks.
import { gunzipSync } from 'node:zlib';

export interface BundleFiles {
  /** Path inside the bundle without a leading "/" → bytes. */
  files: Map<string, Buffer>;
}

export function readBundle(tgz: Buffer): BundleFiles {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch (err) {
    throw new Error(`not a gzip-compressed bundle (${(err as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size)) throw new Error(`corrupt tar header at byte ${off}`);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '\0') {
      name = name.replace(/^\.?\//, '');
      files.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return { files };
}
