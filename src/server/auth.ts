/**
 * The password of the one user, `default` (Redis's requirepass): whether connections must
 * authenticate, the check itself, and the count of failed attempts for INFO.
 *
 * The check compares SHA-256 digests with timingSafeEqual: both sides are 32 bytes whatever
 * the lengths of the password and the attempt, so the time taken says nothing about how much
 * of an attempt was right, nor how long the password is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerConfigError } from './limits.js';

/** Redis's texts, which clients (and people) recognise. */
export const authErrors = {
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  noPasswordSet: 'ERR AUTH <password> called without any password configured for the default '
    + 'user. Are you sure your configuration is correct?',
  helloNoAuth: 'NOAUTH HELLO must be called with the client already authenticated, otherwise '
    + 'the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and '
    + 'select the RESP protocol version at the same time',
} as const;

/** Redis's limit for a password (ACL: 512 bytes is not a limit there, but a sane bound). */
export const passwordBytesMax = 4096;

export class Authenticator {
  private readonly digest: Buffer | undefined;
  /** AUTH and HELLO AUTH attempts that failed (INFO stats acl_access_denied_auth). */
  failedAttempts = 0;

  /** undefined or absent: no password, every connection starts authenticated. */
  constructor(password?: string | Uint8Array) {
    if (password === undefined) {
      this.digest = undefined;
      return;
    }
    const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
    if (bytes.length === 0 || bytes.length > passwordBytesMax) {
      throw new ServerConfigError(`requirePass must be 1 to ${passwordBytesMax} bytes, `
        + `got ${bytes.length}`);
    }
    this.digest = sha256(bytes);
  }

  /** Whether a new connection must authenticate before anything but AUTH, HELLO and QUIT. */
  get required(): boolean {
    return this.digest !== undefined;
  }

  /**
   * Whether `user` with `password` may in. Without a password configured, the default user
   * accepts any password (Redis's `nopass`); no other user exists. Failures are counted.
   */
  check(user: Uint8Array, password: Uint8Array): boolean {
    const isDefault = Buffer.from(user).toString('latin1') === 'default';
    const ok = isDefault && (this.digest === undefined
      || timingSafeEqual(this.digest, sha256(password)));
    if (!ok) this.failedAttempts++;
    return ok;
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** True for addresses only this machine can reach (a server there needs no password). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h)
    || h === '::ffff:127.0.0.1';
}
