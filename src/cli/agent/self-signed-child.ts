// Run by self-signed.ts as its own process: issues the agent's self-signed pair for the node named in argv and writes
// it as JSON on stdout, then exits, taking the X.509 library's memory with it.
import { issue, validity } from '../../lab/pki/certificates.ts';

const nodeName = process.argv[2] ?? 'node';
const pair = await issue({ cn: `kia-agent@${nodeName}`, dns: [nodeName, 'localhost'], ips: ['127.0.0.1', '::1'], usage: 'server', ...validity(Date.now(), 365) }, 'ecdsa');
process.stdout.write(JSON.stringify({ cert: pair.certPem, key: pair.keyPem }));
