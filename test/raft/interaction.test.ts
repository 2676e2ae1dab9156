// Runs every scenario script in test/raft/testdata/*.txt (etcd raft's datadriven interaction
// tests): each block is a command, `----`, and the exact transcript it must produce — the
// messages, Readies and state transitions of the nodes involved. The transcripts prove the
// protocol behaviour step by step (elections, pre-vote, Figure 7/8, check-quorum, flow
// control, snapshots, ReadIndex, leadership transfer, membership, repaired logs).
// `REWRITE=1 npx vitest run test/raft/interaction.test.ts` rewrites the expected output.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InteractionEnv, parseCommand } from './interactionEnv.js';

const dir = join(import.meta.dirname, 'testdata');
const rewrite = process.env['REWRITE'] === '1';

interface Block {
  /** Lines before the command (comments, blank lines), kept verbatim on rewrite. */
  preamble: string[];
  command: string;
  expected: string;
  line: number;
}

function parse(text: string): { blocks: Block[]; trailer: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line);
      i++;
      continue;
    }
    const command = line;
    const at = i + 1;
    if (lines[i + 1] !== '----') throw new Error(`line ${at}: expected ---- after command`);
    i += 2;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!);
    blocks.push({ preamble, command, expected: out.join('\n'), line: at });
    preamble = [];
  }
  return { blocks, trailer: preamble };
}

const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('raft interaction scripts', () => {
  it('has scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const { blocks, trailer } = parse(readFileSync(path, 'utf8'));
      const env = new InteractionEnv();
      const rewritten: string[] = [];
      for (const b of blocks) {
        const actual = env.handle(parseCommand(b.command));
        if (rewrite) {
          rewritten.push(...b.preamble, b.command, '----', actual);
        } else {
          expect(actual, `${file}:${b.line}: ${b.command}`).toBe(b.expected);
        }
      }
      if (rewrite) {
        while (trailer.length > 0 && trailer[trailer.length - 1] === '') trailer.pop();
        writeFileSync(path, [...rewritten, ...trailer].join('\n') + '\n');
      }
    });
  }
});
