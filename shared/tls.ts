/**
 * TLS for every connection hardq opens: the app's `tls` option (CA, client certificate and
 * key as PEM text or file paths, read once when the app is made), and the one-line reason a
 * TLS handshake failed. The read PEM text travels to the heartbeat thread by message, so
 * the thread never reads a file itself. No keys are touched here.
 */
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from './errors.ts';

/** The app's `tls` option. Each of ca, cert and key is PEM text or the path of a PEM file. */
export type TlsConfig = {
  /** The CA that signed the server's certificate (PEM text or a file path). @default Node's built-in CAs */
  ca?: string;
  /** The client certificate, for a server with `tls-auth-clients yes` (PEM text or a file path). */
  cert?: string;
  /** The client certificate's private key (PEM text or a file path). */
  key?: string;
  /** The name to check the server's certificate against (SNI). @default the URL's host */
  servername?: string;
  /** Refuse a server whose certificate does not check out. Turn off only for a test. @default true */
  rejectUnauthorized?: boolean;
};

/** TlsConfig with the PEM text read: what node's tls.connect receives. */
export type ResolvedTls = TlsConfig;

const pem = /-----BEGIN [A-Z0-9 ]+-----/;

function readPem(value: string | undefined, field: string): string | undefined {
  if (value === undefined || pem.test(value)) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new InvalidOptionError(`tls.${field}: cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give PEM text or the path of a PEM file`);
  }
}

/** Reads the files a TlsConfig names; undefined stays undefined (no TLS unless the URL is rediss://). */
export function resolveTls(config: TlsConfig | undefined): ResolvedTls | undefined {
  if (config === undefined) return undefined;
  if (typeof config !== 'object' || config === null) throw new InvalidOptionError('tls must be an object such as { ca: \'ca.pem\' }');
  if ((config.cert === undefined) !== (config.key === undefined)) throw new InvalidOptionError('tls.cert and tls.key go together: give both or neither');
  const resolved: ResolvedTls = { ca: readPem(config.ca, 'ca'), cert: readPem(config.cert, 'cert'), key: readPem(config.key, 'key') };
  if (config.servername !== undefined) resolved.servername = config.servername;
  if (config.rejectUnauthorized !== undefined) resolved.rejectUnauthorized = config.rejectUnauthorized;
  for (const field of ['ca', 'cert', 'key'] as const) if (resolved[field] === undefined) delete resolved[field];
  return resolved;
}

/** Codes node gives when the server's certificate does not check out. */
const untrusted = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);

/**
 * The reason, in words, when a connection failed in its TLS handshake; undefined for any
 * other error. Retrying does not fix any of these, so the first connection gives up at once.
 */
export function describeTlsError(error: NodeJS.ErrnoException): string | undefined {
  const code = error.code ?? '';
  if (untrusted.has(code)) return `TLS: the server's certificate is not trusted, ${code}; give the CA that signed it (tls.ca, --tls-ca)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: the server's certificate does not name this host, ${code}; connect by a name it lists or set tls.servername`;
  if (!code.startsWith('ERR_SSL_')) return undefined;
  if (/CERTIFICATE_REQUIRED/.test(code)) return `TLS: the server asks for a client certificate, ${code}; give tls.cert and tls.key (--tls-cert, --tls-key)`;
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN/.test(code)) return `TLS: the server refused the client certificate, ${code}; use one signed by the CA the server trusts`;
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code)) return `TLS: the server does not speak TLS on that port, ${code}`;
  return `TLS handshake failed, ${code}`;
}
