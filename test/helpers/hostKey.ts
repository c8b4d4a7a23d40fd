import ssh2 from 'ssh2';

const { utils } = ssh2;

/**
 * A fresh ed25519 host key for a test server. ssh2 1.17's generateKeyPairSync('ed25519')
 * writes a private key its own parser rejects ("Malformed OpenSSH private key") about 4 times in
 * 1,000, which made the test servers fail to start now and then; such a key is made again.
 */
export function testHostKey(): { private: string; public: string } {
  for (let tries = 0; tries < 20; tries++) {
    const keys = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(keys.private) instanceof Error)) return keys;
  }
  throw new Error('ssh2 made 20 unusable ed25519 keys in a row');
}
