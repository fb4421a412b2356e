// crypto.md5/sha1/sha256 and crypto.hmac.{md5,sha1,sha256,sha512,equal} over the UTF-8 bytes of
// strings (node:crypto). OPA has no crypto.sha512, so neither do we.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { str } from './args.js';
import { def } from './registry.js';

for (const alg of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
  if (alg !== 'sha512') {
    const name = 'crypto.' + alg;
    def(name, 1, (args) => createHash(alg).update(str(name, args, 0), 'utf8').digest('hex'));
  }
  const hname = 'crypto.hmac.' + alg;
  def(hname, 2, (args) =>
    createHmac(alg, Buffer.from(str(hname, args, 1), 'utf8')).update(str(hname, args, 0), 'utf8').digest('hex'),
  );
}

def('crypto.hmac.equal', 2, (args) => {
  const a = Buffer.from(str('crypto.hmac.equal', args, 0), 'utf8');
  const b = Buffer.from(str('crypto.hmac.equal', args, 1), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
});
