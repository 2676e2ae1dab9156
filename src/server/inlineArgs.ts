/**
 * Splits an inline command line into arguments with the quoting rules of Redis's sdssplitargs
 * (what redis-cli and telnet users type):
 * - arguments are separated by space, \t, \n or \r (leading \v and \f are skipped too);
 * - "double quotes" allow \n \r \t \b \a, \xHH (two hex digits) and \<any> for that byte;
 * - 'single quotes' allow only \' for a quote; every other byte is literal;
 * - a quote may start in the middle of an argument (a"b c" is one argument, `ab c`);
 * - a closing quote must be followed by whitespace or the end of the line, and a quote must
 *   be closed: otherwise the line is unbalanced (undefined is returned);
 * - a NUL byte ends the line outside quotes (sdssplitargs works on C strings), and inside quotes
 *   it is unbalanced.
 * One pass, no recursion, output bytes <= input bytes.
 */

const quote = 0x22;
const apostrophe = 0x27;
const backslash = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** \n \r \t \b \a inside double quotes. */
const escapes: Record<number, number> = {
  0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07,
};

/** Returns the arguments, or undefined when quotes are unbalanced. */
export function splitInlineArgs(line: Uint8Array): Buffer[] | undefined {
  const args: Buffer[] = [];
  const end = line.length;
  const current = Buffer.allocUnsafe(end);
  let p = 0;
  for (;;) {
    while (p < end && line[p] !== 0 && isSpace(line[p]!)) p++;
    if (p >= end || line[p] === 0) return args;
    let n = 0;
    let mode: 'plain' | 'double' | 'single' = 'plain';
    let done = false;
    while (!done) {
      const c = p < end ? line[p]! : 0;
      if (mode === 'double') {
        if (c === 0) return undefined;
        if (c === backslash && line[p + 1] === 0x78 && p + 3 < end
          && hexValue(line[p + 2]!) >= 0 && hexValue(line[p + 3]!) >= 0) {
          current[n++] = hexValue(line[p + 2]!) * 16 + hexValue(line[p + 3]!);
          p += 3;
        } else if (c === backslash && p + 1 < end && line[p + 1] !== 0) {
          p++;
          current[n++] = escapes[line[p]!] ?? line[p]!;
        } else if (c === quote) {
          if (p + 1 < end && line[p + 1] !== 0 && !isSpace(line[p + 1]!)) return undefined;
          done = true;
        } else {
          current[n++] = c;
        }
      } else if (mode === 'single') {
        if (c === 0) return undefined;
        if (c === backslash && line[p + 1] === apostrophe) {
          p++;
          current[n++] = apostrophe;
        } else if (c === apostrophe) {
          if (p + 1 < end && line[p + 1] !== 0 && !isSpace(line[p + 1]!)) return undefined;
          done = true;
        } else {
          current[n++] = c;
        }
      } else if (c === 0 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        done = true;
        // Leave p on the separator (or the NUL, which ends the line above).
        args.push(Buffer.from(current.subarray(0, n)));
        break;
      } else if (c === quote) {
        mode = 'double';
      } else if (c === apostrophe) {
        mode = 'single';
      } else {
        current[n++] = c;
      }
      if (p < end) p++;
      if (done) args.push(Buffer.from(current.subarray(0, n)));
    }
  }
}
