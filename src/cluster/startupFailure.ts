/**
 * One line for a failure at start-up: a file-system error (EACCES, ENOTDIR, ENOSPC, EROFS...)
 * with its path, what is wrong in plain words and what to do, or a port already in use. The
 * CLI prints it instead of a stack trace; a node worker reports it the same way when it cannot
 * open its data directory or its port.
 */

interface Advice {
  /** What is wrong, in words. */
  what: string;
  /** What to do when writing failed, and when reading failed. */
  write: string;
  read: string;
}

const permission: Advice = {
  what: 'permission denied',
  write: 'use a data directory this user can write (--data), or fix its owner or permissions',
  read: 'run as a user who can read it, or fix its owner or permissions',
};

const adviceByCode: Record<string, Advice> = {
  EACCES: permission,
  EPERM: permission,
  ENOTDIR: {
    what: 'it, or a folder above it, is a file, not a directory',
    write: 'pass a directory, or a path that does not exist yet, as --data',
    read: 'pass a directory, or a path that does not exist yet',
  },
  ENOSPC: {
    what: 'no space left on the device',
    write: 'free some disk space, or use a data directory on another disk (--data)',
    read: 'free some disk space',
  },
  EDQUOT: {
    what: 'the disk quota is exhausted',
    write: 'free some space, or use a data directory on another disk (--data)',
    read: 'free some space',
  },
  EROFS: {
    what: 'the file system is read-only',
    write: 'use a data directory on a writable file system (--data)',
    read: 'remount it read-write',
  },
  EISDIR: {
    what: 'it is a directory where a file is expected',
    write: 'move it aside, or use another data directory (--data)',
    read: 'pass the right path',
  },
  EMFILE: {
    what: 'this process has too many open files',
    write: 'raise the limit (ulimit -n)',
    read: 'raise the limit (ulimit -n)',
  },
};

const verbBySyscall: Record<string, string> = {
  mkdir: 'create', open: 'open', write: 'write', pwrite: 'write', create: 'create',
  scandir: 'read', read: 'read', rename: 'rename', unlink: 'remove', fsync: 'sync',
  fdatasync: 'sync', preallocate: 'write', stat: 'read', lstat: 'read', access: 'read',
};

const readSyscalls = new Set(['scandir', 'read', 'stat', 'lstat', 'access']);

interface Found {
  code: string;
  path: string | null;
  syscall: string | null;
}

function field(value: object, name: string): string | null {
  const v = (value as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : null;
}

/** The deepest error in the `cause` chain that carries a code we have advice for. */
function find(error: unknown): Found | null {
  let found = null as Found | null;
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const code = field(e, 'code');
    if (code !== null && adviceByCode[code] !== undefined) {
      found = {
        code,
        path: field(e, 'path') ?? field(e, 'file') ?? found?.path ?? null,
        syscall: field(e, 'syscall') ?? found?.syscall ?? null,
      };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

/** `port 6379 on 127.0.0.1 is already in use ...`, or null for any other error. */
function describePortInUse(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || field(error, 'code') !== 'EADDRINUSE') {
    return null;
  }
  const port = (error as { port?: unknown }).port;
  const address = field(error, 'address') ?? 'this host';
  return `port ${typeof port === 'number' ? port : '?'} on ${address} is already in use ` +
    '(EADDRINUSE); stop the program using it, or choose other ports (--base-port, --port)';
}

/**
 * `cannot create /srv/data/node-1: permission denied (EACCES); use a data directory ...`, or
 * null when `error` is not a failure we know. `reading`: the command only reads (wal
 * inspect), so the advice is about reading.
 */
export function describeStartupFailure(
  error: unknown, options: { reading?: boolean } = {},
): string | null {
  const port = describePortInUse(error);
  if (port !== null) return port;
  const found = find(error);
  if (found === null) return null;
  const advice = adviceByCode[found.code]!;
  const reading = options.reading === true ||
    (found.syscall !== null && readSyscalls.has(found.syscall));
  const verb = found.syscall === null ? 'use' : verbBySyscall[found.syscall] ?? found.syscall;
  const path = found.path ?? '(unknown path)';
  return `cannot ${verb} ${path}: ${advice.what} (${found.code}); ` +
    (reading ? advice.read : advice.write);
}
